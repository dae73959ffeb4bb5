"""Region volumes of segmentations and their changes between exams, for the grading panel and
the three-exam volume diagnosis.

A region's volume is summed from each component's label composition (segmentation.volumes): a
tumour is one component whose voxels are enhancing, necrotic and oedematous. Components below
the minimum lesion volume count too: they are part of the map. In the BraTS schemes the nested
totals follow the targets: TC = enhancing + necrosis, WT = TC + oedema. One query for any number
of segmentations; no label file is opened."""

from dataclasses import dataclass

from imaging.labels import LABELS, LabelScheme
from segmentation.engine.targets import TARGET_LABELS, Target
from segmentation.volumes import label_volumes

TOTALS = (Target.TC, Target.WT)
# RANO's +25 % of the 2D product corresponds to +40 % of the volume (1.25^1.5 ≈ 1.40): guide
# lines for the reader, never a classification (ease-and-evaluation.md R-A8.4, l.2311–2313)
GUIDE_LINES_PERCENT = {"rano_2d": 25.0, "volume": 40.0}


@dataclass(frozen=True)
class RegionVolume:
    region: str  # a label's region (enhancing, necrosis, oedema, lesion) or a total (TC, WT)
    volume_ml: float


@dataclass(frozen=True)
class RegionChange:
    region: str
    change_ml: float
    change_percent: float | None  # None when the region was absent from the prior


def regions(scheme: str) -> list[tuple[str, frozenset[int]]]:
    """The regions of a scheme, each with the label values it is the union of."""
    scheme = LabelScheme(scheme)
    named = [(name, frozenset({value})) for value, name in sorted(LABELS[scheme].items())]
    totals = [(t.value, TARGET_LABELS[scheme][t]) for t in TOTALS if scheme in TARGET_LABELS]
    return named + totals


def region_volumes(segmentations) -> dict[int, list[RegionVolume]]:
    """Each segmentation's region volumes in mL, by segmentation pk."""
    segmentations = list(segmentations)
    by_label = label_volumes(segmentations)
    return {
        s.pk: [
            RegionVolume(region, round(sum(by_label[s.pk].get(v, 0.0) for v in values), 4))
            for region, values in regions(s.label_scheme)
        ]
        for s in segmentations
    }


def changes(current: list[RegionVolume], prior: list[RegionVolume]) -> list[RegionChange]:
    """Current against prior, region by region, in mL and in % of the prior."""
    before = {v.region: v.volume_ml for v in prior}
    return [
        RegionChange(
            v.region,
            round(v.volume_ml - before[v.region], 4),
            round(100.0 * (v.volume_ml - before[v.region]) / before[v.region], 1)
            if before[v.region]
            else None,
        )
        for v in current
        if v.region in before
    ]
