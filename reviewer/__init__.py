"""The reviewer's concerns, one Django app each (ARCHITECTURE.md): core, cases, imports, alarms,
viewer and reports today; grading, datasets and studies are named places for what comes next."""
