"""The grading scales a reader grades a segmentation on, as data for the grading form.

EASE (spec ease-and-evaluation.md, R-A6.1): ACCEPTABLE/UNACCEPTABLE and, independently, a 1–5
quality grade, 5 Perfect … 1 Terrible (the labels of EASE's Tables 2 and 4).

The 4-level scale of the WMH paper (spec lesion-grading-and-alarms.md §2.2, R-WMH-01/02): grades
I–IV with their per-size-class criteria. The paper numbers them twice, 4…1 in its Methods and
3…0 in its Table 5; `Assessment.four_level` stores the Methods number (4 = I, best) and both
numberings are given here, so that either can be exported. Where the criteria leave gaps or
overlap (spec §2.2, defect 3) the reader's judgement decides.

Which scale a project grades on is the setting NEUROREVIEW_GRADING_SCALE ("ease", the default,
or "four_level"); a scale per study comes with the studies issue.
"""

from dataclasses import dataclass, field

from django.conf import settings

from reviewer.grading.models import Assessment

SETTING = "NEUROREVIEW_GRADING_SCALE"


@dataclass(frozen=True)
class Level:
    value: int  # what the form submits: grade (EASE) or four_level
    label: str
    roman: str = ""  # 4-level scale: I (best) … IV
    methods_score: int | None = None  # 4-level scale, the paper's Methods: 4 … 1
    table5_score: int | None = None  # 4-level scale, the paper's Table 5: 3 … 0
    criteria: dict[str, str] = field(default_factory=dict)  # per lesion size class


@dataclass(frozen=True)
class Scale:
    scale: str  # Assessment.Scale
    name: str
    field: str  # the input field that carries the level
    levels: tuple[Level, ...]  # best first


EASE = Scale(
    scale=Assessment.Scale.EASE,
    name="EASE (1–5)",
    field="grade",
    levels=tuple(
        Level(value=value, label=label)
        for value, label in ((5, "Perfect"), (4, "Good"), (3, "Fair"), (2, "Poor"), (1, "Terrible"))
    ),
)

_NO_MISS = "no missed lesions and <5% mismatch between the predicted and the ground-truth lesions"
FOUR_LEVEL = Scale(
    scale=Assessment.Scale.FOUR_LEVEL,
    name="four-level (I–IV)",
    field="four_level",
    levels=(
        Level(
            4, "Acceptable", "I", 4, 3, {"small": _NO_MISS, "medium": _NO_MISS, "large": _NO_MISS}
        ),
        Level(
            3,
            "Acceptable with minor revision",
            "II",
            3,
            2,
            {
                "small": "1–4 missed lesions and <10% mismatch for predicted lesions",
                "medium": "<2 missed lesions and <5% mismatch",
                "large": "no missed lesions",
            },
        ),
        Level(
            2,
            "Acceptable with major revision",
            "III",
            2,
            1,
            {
                "small": "more than four missed lesions and <50% mismatch",
                "medium": "more than two missed lesions",
                "large": "more than 30% mismatch",
            },
        ),
        Level(
            1,
            "Not acceptable",
            "IV",
            1,
            0,
            {
                "small": "more than eight missed and more than 50% mismatch",
                "medium": "more than two missed",
                "large": "more than 30% missed and more than 30% mismatch",
            },
        ),
    ),
)

SCALES = {scale.scale: scale for scale in (EASE, FOUR_LEVEL)}


def project_scale() -> Scale:
    """The scale this project grades on (checked at start-up by reviewer.grading.checks)."""
    return SCALES[getattr(settings, SETTING)]
