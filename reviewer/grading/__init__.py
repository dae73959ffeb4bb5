"""Grading: assessments of segmentations (EASE 1–5 and acceptable/unacceptable, the 4-level
scale), lesion verdicts and the three-exam volume diagnosis. Empty until the review issue lands;
it sits above alarms and below reports in the layers of ARCHITECTURE.md."""
