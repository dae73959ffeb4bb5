"""A synthetic demo cohort of brain MRI built from the MNI152 templates that nilearn ships:
gliomas that grow, shrink or stay stable and MS-like lesions that appear, over three exams, in
FLAIR, T1, T1CE and T2 that obey MR physics, written as BraTS NIfTI and as DICOM series."""

from imaging.synthetic.cohort import build_cohort

__all__ = ["build_cohort"]
