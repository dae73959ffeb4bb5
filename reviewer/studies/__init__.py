"""Studies: reader studies and surveys (arms, questions, assignments, answers). Empty until the
reader-study issue lands; it sits beside grading in ARCHITECTURE.md."""
