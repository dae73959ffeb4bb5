"""Domain actions that span several models or touch storage: imports, case building, exports."""
