"""Imaging I/O without Django: NIfTI and DICOM reading, BraTS layouts, de-identification, the
synthetic cohort. Functions take paths and return arrays, affines and plain records; storage and
users belong to the Django side (reviewer.services)."""
