"""Label schemes of reference and AI label maps, and their detection from the values present.

BraTS 2020 labels enhancing tumour 4; BraTS 2021-2023 label it 3 (BraTS-GLI 2023 also renames
the sequences, see ``sequences.BRATS_SUFFIXES``). ``lesion`` is a binary map (1 = lesion), used
for MS-like white-matter lesions.
"""

import enum
from collections.abc import Iterable


class LabelScheme(enum.StrEnum):
    BRATS2020 = "brats2020"
    BRATS2023 = "brats2023"
    LESION = "lesion"


# label value -> region name, per scheme
LABELS: dict[LabelScheme, dict[int, str]] = {
    LabelScheme.BRATS2020: {1: "necrosis", 2: "oedema", 4: "enhancing"},
    LabelScheme.BRATS2023: {1: "necrosis", 2: "oedema", 3: "enhancing"},
    LabelScheme.LESION: {1: "lesion"},
}


def region_name(scheme: LabelScheme | str, value: int) -> str:
    """The region a label value stands for in a scheme (its number, for a value not defined)."""
    return LABELS[LabelScheme(scheme)].get(value, str(value))


def region_label(scheme: LabelScheme | str, region: str) -> int:
    """The label value of a named region in a scheme (e.g. enhancing: 4 in BraTS 2020, 3 later).

    >>> region_label("brats2020", "enhancing"), region_label("brats2023", "enhancing")
    (4, 3)
    """
    scheme = LabelScheme(scheme)
    for value, name in LABELS[scheme].items():
        if name == region:
            return value
    raise ValueError(f"the {scheme.value} scheme has no region {region!r}")


def detect_scheme(values: Iterable[int]) -> LabelScheme | None:
    """The scheme that the non-zero label values prove, or None when they fit several.

    4 present proves BraTS 2020, 3 present proves BraTS 2021+; a map with only 1 and 2 (or
    nothing) is ambiguous and needs the scheme given explicitly.
    """
    present = {int(v) for v in values} - {0}
    has_3, has_4 = 3 in present, 4 in present
    if has_3 and has_4:
        return None
    if has_4:
        return LabelScheme.BRATS2020
    if has_3:
        return LabelScheme.BRATS2023
    return None


def invalid_labels(values: Iterable[int], scheme: LabelScheme) -> set[int]:
    """Label values that the scheme does not define (0, background, is always allowed)."""
    return {int(v) for v in values} - {0} - set(LABELS[scheme])
