"""Datasets: versioned reference datasets (this far), then validation runs and the model update
gate (EASE R-A9). A version is immutable from the moment it is made, enforced by the database."""
