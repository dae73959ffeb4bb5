"""Grading: assessments of segmentations (EASE acceptable/unacceptable and 1–5, or the 4-level
scale), lesion verdicts, and the three-exam volume diagnosis with its second opinion and
consensus, all append-only; the review states of exams and patients. It sits above alarms and
below the worklist and reports in the layers of ARCHITECTURE.md."""
