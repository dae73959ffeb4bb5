"""Segmentation targets of the BraTS challenge and their label mapping per label scheme [1].

The three targets are nested unions of the non-overlapping BraTS regions, small to large:
ET (enhancing tumour), TC = ET ∪ NCR/NET (tumour core), WT = TC ∪ ED (whole tumour). BraTS 2020
labels ET 4; BraTS 2021 and later label it 3 ([2], §A1: the mapping is per dataset, not a constant).

[1] Menze et al., "The Multimodal Brain Tumor Image Segmentation Benchmark (BRATS)",
    IEEE TMI 34(10), 2015.
[2] spec/node-and-radiogenomics.md, §A1 and §A11 item 2.
"""

import enum

import numpy as np

from imaging.labels import LabelScheme


class Target(enum.StrEnum):
    ET = "ET"
    TC = "TC"
    WT = "WT"


# label scheme -> target -> the label values the target is the union of
TARGET_LABELS: dict[LabelScheme, dict[Target, frozenset[int]]] = {
    LabelScheme.BRATS2020: {
        Target.ET: frozenset({4}),
        Target.TC: frozenset({1, 4}),
        Target.WT: frozenset({1, 2, 4}),
    },
    LabelScheme.BRATS2023: {
        Target.ET: frozenset({3}),
        Target.TC: frozenset({1, 3}),
        Target.WT: frozenset({1, 2, 3}),
    },
}


def target_labels(target: Target | str, scheme: LabelScheme | str) -> frozenset[int]:
    """The label values whose union is ``target`` under ``scheme``.

    Raises
    ------
    ValueError
        When ``target`` is not ET, TC or WT, or ``scheme`` has no glioma targets (``lesion``).
    """
    target, scheme = Target(target), LabelScheme(scheme)
    if scheme not in TARGET_LABELS:
        glioma = ", ".join(s.value for s in TARGET_LABELS)
        raise ValueError(f"label scheme {scheme.value!r} has no glioma targets (use {glioma})")
    return TARGET_LABELS[scheme][target]


def target_mask(labels: np.ndarray, target: Target | str, scheme: LabelScheme | str) -> np.ndarray:
    """The boolean mask of ``target`` in a label map (any shape).

    >>> target_mask(np.array([0, 1, 2, 4]), "TC", "brats2020").tolist()
    [False, True, False, True]
    >>> target_mask(np.array([0, 1, 2, 3]), "WT", "brats2023").tolist()
    [False, True, True, True]
    """
    return np.isin(labels, sorted(target_labels(target, scheme)))


def label_map(scheme: LabelScheme | str) -> dict[str, list[int]]:
    """The mapping as JSON-ready data, for model cards: target -> sorted label values."""
    return {t.value: sorted(target_labels(t, scheme)) for t in Target}
