"""Studies: surveys now (versioned definitions with branching, append-only responses); reader
studies (arms, assignments, answers) come next. It sits beside grading in ARCHITECTURE.md."""
