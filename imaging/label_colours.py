"""One colour per region, the same on every page and in every panel: BraTS necrosis yellow,
oedema green, enhancing tumour blue (label 4 in BraTS 2020, 3 later), a binary lesion orange.
A lesion with no counterpart in any prior exam is drawn in NEW_LESION_COLOUR instead."""

from imaging.labels import LABELS, LabelScheme

Rgb = tuple[int, int, int]

REGION_COLOURS: dict[str, Rgb] = {
    "necrosis": (255, 215, 0),
    "oedema": (0, 200, 0),
    "enhancing": (0, 120, 255),
    "lesion": (255, 140, 0),
}
NEW_LESION_COLOUR: Rgb = (255, 0, 0)


def scheme_labels(scheme: LabelScheme | str) -> list[dict]:
    """The labels of a scheme with their names and colours, by label value."""
    return [
        {"value": value, "name": name, "color": list(REGION_COLOURS[name])}
        for value, name in sorted(LABELS[LabelScheme(scheme)].items())
    ]
