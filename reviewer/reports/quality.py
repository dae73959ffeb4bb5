"""The QA dashboard's figures: how readers judged each model version's segmentations, in the
shape of EASE's Tables 2 and 4 (ACCEPTABLE / UNACCEPTABLE, then the 1–5 grades, each as
"count (%)"), how they judged its lesions per region, and how they judged the alarms of each
kind (the evidence for tuning the rules' thresholds and the ensemble's α).

Each segmentation counts once, with its current assessment (the newest not superseded), as
EASE counts scans; each lesion once, with its current verdict. Only AI results count: the
composed maps of a model family and single model maps; reference and reader maps are no AI.
Like every page, it leaves out the AI output a reader study hides from the user now
(reviewer.cases.blinding), here a QA admin who also reads in a study."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from imaging.labels import LABELS, LabelScheme
from reviewer.alarms.models import Alarm, AlarmVerdict
from reviewer.cases.models import Patient
from reviewer.core.models import Role
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.scales import EASE, FOUR_LEVEL
from segmentation.models import Segmentation

# The dashboard is the QA admin's: they tune models and alarms from it.
QUALITY_ROLES = (Role.QA_ADMIN,)


@dataclass
class Share:
    """One row of a Table 2/4 column: what, how many, and the percentage of its scale."""

    key: str  # "acceptable", "unacceptable", "ease_5" … "ease_1", "four_level_4" … "four_level_1"
    label: str
    count: int
    percent: float | None  # None when nothing was graded on that scale


@dataclass
class VersionGrading:
    model_version: str
    assessed: int
    rows: list[Share]


@dataclass
class LabelVerdicts:
    model_version: str
    label: str  # the region a lesion's main label stands for: enhancing, oedema, lesion …
    accepted: int
    rejected: int
    acceptance_percent: float | None


@dataclass
class AddedLesions:
    model_version: str
    added: int  # lesions the readers found that the AI missed


@dataclass
class AlarmVerdicts:
    kind: str
    kind_display: str
    raised: int
    true_alarms: int
    false_alarms: int

    @property
    def unjudged(self) -> int:
        return self.raised - self.true_alarms - self.false_alarms

    @property
    def true_percent(self) -> float | None:
        return percent(self.true_alarms, self.true_alarms + self.false_alarms)

    @property
    def false_percent(self) -> float | None:
        return percent(self.false_alarms, self.true_alarms + self.false_alarms)


@dataclass
class QualityDashboard:
    grading: list[VersionGrading] = field(default_factory=list)
    lesions: list[LabelVerdicts] = field(default_factory=list)
    added: list[AddedLesions] = field(default_factory=list)
    alarms: list[AlarmVerdicts] = field(default_factory=list)


def model_version_label(segmentation: Segmentation) -> str:
    """What made the segmentation: a model version, or for a composed map its family and the
    versions of its parts (a new version of any part makes a new column)."""
    if segmentation.source == Segmentation.Source.MODEL:
        return str(segmentation.model_version)
    parts = sorted(str(part.model_version) for part in segmentation.parts.all())
    family = segmentation.get_family_display()
    return f"{family} ({', '.join(parts)})" if parts else family


def quality_dashboard(user) -> QualityDashboard:
    segmentations = (
        Segmentation.objects.filter(
            source__in=Segmentation.AI_SOURCES, exam__patient__in=Patient.objects.visible_to(user)
        )
        .shown_to(user)
        .select_related("model_version")
        .prefetch_related("parts__model_version")
    )
    return QualityDashboard(
        grading=_grading(segmentations),
        lesions=_lesion_verdicts(segmentations),
        added=_added(segmentations),
        alarms=_alarm_verdicts(user),
    )


def percent(count: int, total: int) -> float | None:
    return round(100.0 * count / total, 1) if total else None


def _grading(segmentations) -> list[VersionGrading]:
    current = Assessment.objects.filter(segmentation__in=segmentations).current_by_segmentation()
    labels = _labels(segmentations.filter(pk__in=current))
    per_version: dict[str, list[Assessment]] = defaultdict(list)
    for pk, assessment in current.items():
        per_version[labels[pk]].append(assessment)
    return [_version_grading(name, per_version[name]) for name in sorted(per_version)]


def _version_grading(name: str, assessments: list[Assessment]) -> VersionGrading:
    acceptable = sum(a.acceptable for a in assessments)
    rows = [
        Share("acceptable", "ACCEPTABLE", acceptable, percent(acceptable, len(assessments))),
        Share(
            "unacceptable",
            "UNACCEPTABLE",
            len(assessments) - acceptable,
            percent(len(assessments) - acceptable, len(assessments)),
        ),
    ]
    for scale in (EASE, FOUR_LEVEL):
        counts = Counter(getattr(a, scale.field) for a in assessments if a.scale == scale.scale)
        graded = counts.total()
        if scale is FOUR_LEVEL and not graded:
            continue  # the alternative scale only where someone used it
        rows += [
            Share(
                f"{scale.scale}_{level.value}",
                f"{level.label} ({level.value})",
                counts[level.value],
                percent(counts[level.value], graded),
            )
            for level in scale.levels
        ]
    return VersionGrading(model_version=name, assessed=len(assessments), rows=rows)


def _lesion_verdicts(segmentations) -> list[LabelVerdicts]:
    current = (
        LesionVerdict.objects.filter(
            segmentation__in=segmentations,
            superseded_by__isnull=True,
            decision__in=[LesionVerdict.Decision.ACCEPTED, LesionVerdict.Decision.REJECTED],
        )
        .values("segmentation", "segmentation__label_scheme", "lesion__label", "decision")
        .annotate(lesions=Count("lesion", distinct=True))
    )
    rows = list(current)
    labels = _labels(segmentations.filter(pk__in={r["segmentation"] for r in rows}))
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in rows:
        names = LABELS[LabelScheme(row["segmentation__label_scheme"])]
        region = names.get(row["lesion__label"], str(row["lesion__label"]))
        counts[labels[row["segmentation"]], region][row["decision"]] += row["lesions"]
    return [
        LabelVerdicts(
            model_version=version,
            label=region,
            accepted=c["accepted"],
            rejected=c["rejected"],
            acceptance_percent=percent(c["accepted"], c["accepted"] + c["rejected"]),
        )
        for (version, region), c in sorted(counts.items())
    ]


def _added(segmentations) -> list[AddedLesions]:
    rows = list(
        LesionVerdict.objects.filter(
            segmentation__in=segmentations,
            superseded_by__isnull=True,
            decision=LesionVerdict.Decision.ADDED,
        )
        .values("segmentation")
        .annotate(added=Count("pk"))
    )
    labels = _labels(segmentations.filter(pk__in={r["segmentation"] for r in rows}))
    added = Counter()
    for row in rows:
        added[labels[row["segmentation"]]] += row["added"]
    return [AddedLesions(model_version=v, added=n) for v, n in sorted(added.items())]


def _alarm_verdicts(user) -> list[AlarmVerdicts]:
    """Per kind, every alarm raised (open or cleared: a verdict outlives the finding) and how
    its current verdict judged it; the rates are of the judged ones."""
    current = AlarmVerdict.objects.current().filter(alarm=OuterRef("pk"))
    rows = (
        Alarm.objects.filter(exam__patient__in=Patient.objects.visible_to(user))
        .shown_to(user)
        .values("kind")
        .annotate(
            raised=Count("pk"),
            true_alarms=Count("pk", filter=Exists(current.filter(true_alarm=True))),
            false_alarms=Count("pk", filter=Exists(current.filter(true_alarm=False))),
        )
    )
    found = {row.pop("kind"): row for row in rows}
    return [
        AlarmVerdicts(kind=kind, kind_display=label, **found[kind])
        for kind, label in Alarm.Kind.choices  # in the order the alarms concern lists them
        if kind in found
    ]


def _labels(segmentations) -> dict[int, str]:
    return {s.pk: model_version_label(s) for s in segmentations}


def grading_table(grading: list[VersionGrading]) -> list[tuple[str, list[Share | None]]]:
    """Tables 2 and 4 side by side: one row per field, one column per model version (None
    where a version has no such row, e.g. the four-level scale nobody used on it)."""
    labels: dict[str, str] = {}
    for version in grading:
        for share in version.rows:
            labels.setdefault(share.key, share.label)
    cells = [{share.key: share for share in version.rows} for version in grading]
    return [(label, [column.get(key) for column in cells]) for key, label in labels.items()]
