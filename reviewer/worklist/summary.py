"""The case summary a radiologist reads in seconds: per exam, its sequences, what of the AI result
has been reviewed and its open alarms; and the volume of each tumour region over the exams.

It reads the concerns below the worklist (cases, segmentation, grading, alarms) with a fixed
number of queries, whatever the number of exams or components."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from imaging.labels import LABELS, LabelScheme
from imaging.sequences import CHANNEL_ORDER
from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam, Patient, Series
from reviewer.grading.models import Assessment, LesionVerdict
from segmentation.models import Lesion, Segmentation

# Columns of the volume table, in the order a neuro-oncologist reads them.
REGION_ORDER = ("enhancing", "necrosis", "oedema", "lesion")

ALARM_SEVERITY = [
    Alarm.Kind.GROWTH,
    Alarm.Kind.HAEMORRHAGE_EXPANSION,
    Alarm.Kind.NEW_LESION,
    Alarm.Kind.UNRELIABLE,
]

# What a reader reviews: the composed map of a model family, and a model's own map when no
# composite was made from it (e.g. the MS new-lesion detection). Single-target maps that were
# composed are parts, not results of their own.
REVIEWED = Q(source=Segmentation.Source.COMPOSITE) | Q(
    source=Segmentation.Source.MODEL, composites__isnull=True
)
# Volumes are also tracked for the reference a dataset came with.
TRACKED = REVIEWED | Q(source=Segmentation.Source.REFERENCE)


@dataclass
class SegmentationReview:
    """One segmentation of an exam as the summary shows it."""

    segmentation: Segmentation
    assessment: Assessment | None  # the standing one: newest, not superseded
    listed: int  # lesions at or above the minimum volume
    below_minimum: int
    accepted: int = 0
    rejected: int = 0
    added: int = 0
    volumes_ml: dict[str, float] = field(default_factory=dict)  # region -> mL, and "total"

    @property
    def title(self) -> str:
        return segmentation_title(self.segmentation)

    @property
    def track(self) -> str:
        """Segmentations with the same track are the same AI (or the reference) over time."""
        s = self.segmentation
        if s.source == Segmentation.Source.COMPOSITE:
            return f"composite:{s.family}"
        if s.source == Segmentation.Source.MODEL:
            return f"model:{s.model_version.name}"
        return s.source

    @property
    def unjudged(self) -> int:
        return max(self.listed - self.accepted - self.rejected, 0)

    @property
    def rejected_by_reader(self) -> bool:
        """EASE R-A6.6: a segmentation judged unacceptable is out of every volume comparison."""
        return self.assessment is not None and not self.assessment.acceptable


@dataclass
class ExamSummary:
    exam: Exam
    sequences: list[tuple[str, bool]]  # each expected sequence and whether the exam has it
    reviews: list[SegmentationReview]  # reviewed AI results, not the reference
    alarms: list[Alarm]  # open, worst first

    @property
    def complete(self) -> bool:
        return all(present for _, present in self.sequences)


@dataclass
class VolumeRow:
    exam: Exam
    review: SegmentationReview | None
    change_percent: float | None = None  # of the total, against the previous comparable exam


@dataclass
class VolumeTrack:
    """The volumes of one AI (or the reference) over the patient's exams."""

    title: str
    regions: list[str]
    rows: list[VolumeRow]


@dataclass
class CaseSummary:
    patient: Patient
    exams: list[ExamSummary]
    alarms: list[Alarm]  # every open alarm of the patient, worst first
    tracks: list[VolumeTrack]

    @property
    def reviews(self) -> list[SegmentationReview]:
        return [review for exam in self.exams for review in exam.reviews]


def segmentation_title(segmentation: Segmentation) -> str:
    if segmentation.source == Segmentation.Source.COMPOSITE:
        return segmentation.get_family_display()
    if segmentation.source == Segmentation.Source.MODEL:
        return str(segmentation.model_version)
    if segmentation.source == Segmentation.Source.READER:
        return f"Reader {segmentation.reader}"
    return segmentation.get_source_display()


def worst_first(alarms: list[Alarm]) -> list[Alarm]:
    """What may change the patient's management before what questions the AI's output; the
    newest first within a kind."""
    newest = sorted(alarms, key=lambda a: (a.raised_at, a.pk), reverse=True)
    return sorted(newest, key=lambda a: ALARM_SEVERITY.index(a.kind))


def case_summary(patient: Patient) -> CaseSummary:
    """The summary of one visible patient."""
    exams = list(
        patient.exams.order_by("order").prefetch_related(
            Prefetch("series", queryset=Series.objects.only("exam_id", "sequence")),
        )
    )
    segmentations = list(
        Segmentation.objects.filter(TRACKED, exam__in=exams)
        .select_related("model_version")
        .annotate(
            listed=Count("lesions", filter=Q(lesions__below_minimum=False)),
            below=Count("lesions", filter=Q(lesions__below_minimum=True)),
        )
        .order_by("exam__order", "source", "family", "model_version__name", "pk")
    )
    reviews = {s.pk: _review(s) for s in segmentations}
    _add_standing_assessments(reviews)
    _add_verdict_counts(reviews)
    _add_region_volumes(reviews)

    alarms = list(Alarm.objects.open().filter(exam__in=exams).select_related("exam"))
    by_exam = defaultdict(list)
    for alarm in alarms:
        by_exam[alarm.exam_id].append(alarm)
    exam_summaries = [
        ExamSummary(
            exam=exam,
            sequences=_sequences(exam),
            reviews=[
                r
                for r in reviews.values()
                if r.segmentation.exam_id == exam.pk
                and r.segmentation.source != Segmentation.Source.REFERENCE
            ],
            alarms=worst_first(by_exam[exam.pk]),
        )
        for exam in exams
    ]
    return CaseSummary(
        patient=patient,
        exams=exam_summaries,
        alarms=worst_first(alarms),
        tracks=_volume_tracks(exams, list(reviews.values())),
    )


def _review(segmentation) -> SegmentationReview:
    return SegmentationReview(
        segmentation=segmentation,
        assessment=None,
        listed=segmentation.listed,
        below_minimum=segmentation.below,
    )


def _sequences(exam: Exam) -> list[tuple[str, bool]]:
    present = {s.sequence for s in exam.series.all()}
    return [(str(sequence), str(sequence) in present) for sequence in CHANNEL_ORDER]


def _add_standing_assessments(reviews: dict[int, SegmentationReview]) -> None:
    standing = (
        Assessment.objects.filter(segmentation__in=reviews, superseded_by__isnull=True)
        .select_related("reader")
        .order_by("segmentation", "-created_at", "-pk")
    )
    for assessment in standing:
        review = reviews[assessment.segmentation_id]
        review.assessment = review.assessment or assessment


def _add_verdict_counts(reviews: dict[int, SegmentationReview]) -> None:
    """Standing verdicts (not superseded): one per lesion judged, one per lesion added."""
    counts = (
        LesionVerdict.objects.filter(segmentation__in=reviews, superseded_by__isnull=True)
        .values("segmentation", "decision")
        .annotate(lesions=Count("lesion", distinct=True), rows=Count("pk"))
    )
    for row in counts:
        review = reviews[row["segmentation"]]
        decision = row["decision"]
        if decision == LesionVerdict.Decision.ADDED:
            review.added = row["rows"]
        else:
            setattr(review, decision, row["lesions"])


def _add_region_volumes(reviews: dict[int, SegmentationReview]) -> None:
    """Region volumes from each component's label composition: a tumour is one component whose
    voxels are enhancing, necrotic and oedematous, so the main label alone would misplace them.
    Components below the minimum volume count too: they are part of the map."""
    voxels: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, list] = defaultdict(lambda: [0.0, 0])
    for pk, label_voxels, volume_ml, voxel_count in Lesion.objects.filter(
        segmentation__in=reviews
    ).values_list("segmentation_id", "label_voxels", "volume_ml", "voxel_count"):
        for label, count in label_voxels.items():
            voxels[pk][label] += count
        totals[pk][0] += volume_ml
        totals[pk][1] += voxel_count
    for pk, review in reviews.items():
        names = LABELS[LabelScheme(review.segmentation.label_scheme)]
        total_ml, total_voxels = totals[pk]
        voxel_ml = total_ml / total_voxels if total_voxels else 0.0
        review.volumes_ml = {name: 0.0 for name in names.values()}
        for label, count in voxels[pk].items():
            name = names.get(int(label), label)
            review.volumes_ml[name] = review.volumes_ml.get(name, 0.0) + count * voxel_ml
        review.volumes_ml["total"] = total_ml


def _volume_tracks(exams: list[Exam], reviews: list[SegmentationReview]) -> list[VolumeTrack]:
    by_track: dict[str, dict[int, SegmentationReview]] = defaultdict(dict)
    for review in reviews:
        by_track[review.track][review.segmentation.exam_id] = review
    tracks = []
    # AI results before the reference: "composite" < "model" < "reader" < "reference"
    for _, per_exam in sorted(by_track.items()):
        first = next(iter(per_exam.values()))
        present = {name for r in per_exam.values() for name in r.volumes_ml} - {"total"}
        regions = [name for name in REGION_ORDER if name in present]
        regions += sorted(present - set(regions))
        rows, previous = [], None
        for exam in exams:
            review = per_exam.get(exam.pk)
            row = VolumeRow(exam=exam, review=review)
            if review is not None and not review.rejected_by_reader:
                total = review.volumes_ml["total"]
                if previous:
                    row.change_percent = 100.0 * (total - previous) / previous
                previous = total
            rows.append(row)
        tracks.append(VolumeTrack(title=first.title, regions=regions, rows=rows))
    return tracks
