"""Datasets: versioned reference datasets, validation runs and the model update gate (EASE).
Empty until the reference-dataset issue lands; it sits beside grading in ARCHITECTURE.md."""
