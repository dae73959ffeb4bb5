"""The four MR sequences NeuroReview works with, in the channel order of the NODE state
[FLAIR, T1, T1CE, T2], and their recognition from file suffixes and DICOM series descriptions."""

import enum
import re


class Sequence(enum.StrEnum):
    FLAIR = "FLAIR"
    T1 = "T1"
    T1CE = "T1CE"
    T2 = "T2"


CHANNEL_ORDER: tuple[Sequence, ...] = (Sequence.FLAIR, Sequence.T1, Sequence.T1CE, Sequence.T2)

# BraTS 2020/2021 suffixes, then BraTS 2023's (t2f = FLAIR, t1n = native T1, t1c = contrast T1).
BRATS_SUFFIXES: dict[str, Sequence] = {
    "flair": Sequence.FLAIR,
    "t1": Sequence.T1,
    "t1ce": Sequence.T1CE,
    "t2": Sequence.T2,
    "t2f": Sequence.FLAIR,
    "t1n": Sequence.T1,
    "t1c": Sequence.T1CE,
    "t2w": Sequence.T2,
}
SEGMENTATION_SUFFIXES = frozenset({"seg"})

# Checked in order: FLAIR before T2 (FLAIR is a T2-weighted sequence), contrast T1 before plain T1.
_DESCRIPTION_PATTERNS: tuple[tuple[re.Pattern[str], Sequence], ...] = (
    (re.compile(r"flair|t2[\s_-]*f\b|dark[\s_-]*fluid", re.I), Sequence.FLAIR),
    (
        re.compile(r"t1.*(ce\b|\+c|post|gd|gad|contrast|mprage[\s_-]*\+|c\+)|t1c\b|t1ce", re.I),
        Sequence.T1CE,
    ),
    (re.compile(r"t2", re.I), Sequence.T2),
    (re.compile(r"t1|mprage|spgr|bravo", re.I), Sequence.T1),
)


def recognize_description(description: str) -> Sequence | None:
    """The sequence a DICOM SeriesDescription names, or None when it names none of the four."""
    for pattern, sequence in _DESCRIPTION_PATTERNS:
        if pattern.search(description or ""):
            return sequence
    return None
