"""For gpu/cpu_check.sh: the packages the lent GPU machine lacks, and no wheel in .whl brings,
cannot be imported here either, so the check fails where the GPU run would. (The pytest plugins
it lacks stay importable, for pytest's own start; gpu/run.sh disables them with -p no:….)"""

import sys

MISSING = (
    "django",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "daphne",
    "celery",
    "redis",
    "psycopg",
    "SimpleITK",
    "highdicom",
    "dicomweb_client",
    "factory",
    "playwright",
    "importlinter",
)
for name in MISSING:
    sys.modules[name] = None  # import raises ModuleNotFoundError
