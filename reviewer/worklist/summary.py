"""The case summary a radiologist reads in seconds: per exam, its sequences, what of the AI result
has been reviewed and its open alarms (the alarms' own case state: worst first, one risk line
per exam); and the volume of each tumour region over the exams.

It reads the concerns below the worklist (cases, segmentation, grading, alarms) with a fixed
number of queries, whatever the number of exams or components. Of an exam whose AI output the
user may not see now (reviewer.cases.blinding: a reader study's unaided reading) it shows no AI
result, alarm or volume, only that the exam is in a reader study."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from imaging.sequences import CHANNEL_ORDER
from reviewer.alarms.services import case_alarm_state
from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.models import Exam, Patient, Series
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.states import REVIEWED
from reviewer.grading.volumes import TOTALS, region_volumes
from reviewer.pacs.models import PacsStudy, SentResult
from reviewer.preprocessing.models import PreprocessingRun
from segmentation.compatibility import incompatibility
from segmentation.models import Segmentation

NESTED_TOTALS = {target.value for target in TOTALS}

# Columns of the volume table, in the order a neuro-oncologist reads them.
REGION_ORDER = ("enhancing", "necrosis", "oedema", "lesion")

# Volumes are also tracked for the reference a dataset came with.
TRACKED = REVIEWED | Q(source=Segmentation.Source.REFERENCE)


@dataclass
class SegmentationReview:
    """One segmentation of an exam as the summary shows it."""

    segmentation: Segmentation
    assessment: (
        Assessment | None
    )  # the current one: newest, not superseded (grading.current_by_segmentation)
    listed: int  # lesions at or above the minimum volume
    below_minimum: int
    accepted: int = 0
    rejected: int = 0
    added: int = 0
    volumes_ml: dict[str, float] = field(default_factory=dict)  # region -> mL, and "total"
    sent: list[SentResult] = field(default_factory=list)  # the latest sending to a PACS
    sendable: bool = False  # graded, of an exam that came from a PACS

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
    def sent_failed(self) -> list[SentResult]:
        return [s for s in self.sent if s.status == SentResult.Status.FAILED]

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
    risk: dict  # the exam's risk line (reviewer.alarms.risk): risk_score, kinds, summary
    # What a reader must know of the exam's preprocessing: "" when its series are ready (or
    # came prepared), else its state; and the reasons of its flags
    preprocessing: str = ""
    flags: tuple[str, ...] = ()
    in_reader_study: bool = False  # its AI output hidden from the user: none of it is here

    @property
    def complete(self) -> bool:
        return all(present for _, present in self.sequences)


@dataclass
class VolumeRow:
    exam: Exam
    review: SegmentationReview | None
    change_percent: float | None = None  # of the total, against the previous comparable exam
    # why the previous exam's volumes cannot be compared with these (model versions of other
    # compatibility groups, EASE R-A9.5); "" when they can
    incomparable: str = ""


@dataclass
class VolumeTrack:
    """The volumes of one AI (or the reference) over the patient's exams."""

    title: str
    regions: list[str]
    rows: list[VolumeRow]

    @property
    def incomparable_exams(self) -> list[int]:
        """The exams whose volumes cannot be compared with the previous exam's (EASE R-A9.5)."""
        return [row.exam.order for row in self.rows if row.incomparable]


@dataclass
class AlarmGroup:
    """The open alarms of one kind on one exam, as one line however many there are (ten
    unreliable-output flags of one exam are one finding to act on, not ten)."""

    exam: Exam
    alarms: list[dict]  # as reviewer.alarms.services.case_alarm_state gives them

    @property
    def first(self) -> dict:
        return self.alarms[0]

    @property
    def judged_false(self) -> int:
        return sum(1 for a in self.alarms if a["verdict"] and not a["verdict"]["true_alarm"])


@dataclass
class CaseSummary:
    patient: Patient
    exams: list[ExamSummary]
    alarms: list[AlarmGroup]  # worst first
    open_alarms: int
    risk_score: int
    tracks: list[VolumeTrack]
    in_reader_study: bool  # some exam's AI output is hidden from the user


def segmentation_title(segmentation: Segmentation) -> str:
    if segmentation.source == Segmentation.Source.COMPOSITE:
        return segmentation.get_family_display()
    if segmentation.source == Segmentation.Source.MODEL:
        return str(segmentation.model_version)
    if segmentation.source == Segmentation.Source.READER:
        return f"Reader {segmentation.reader}"
    return segmentation.get_source_display()


def case_summary(patient: Patient, user) -> CaseSummary:
    """The summary of one patient visible to ``user``, as they may see it now."""
    hidden = set(exams_without_ai(user).filter(patient=patient))
    exams = list(
        patient.exams.order_by("order").prefetch_related(
            Prefetch("series", queryset=Series.objects.only("exam_id", "sequence")),
            Prefetch("preprocessing_runs", queryset=PreprocessingRun.objects.order_by("-pk")),
        )
    )
    segmentations = list(
        Segmentation.objects.filter(TRACKED, exam__in=exams)
        .shown_to(user)
        .select_related("model_version")
        # the versions of a composite's parts: whether two exams' volumes compare
        .prefetch_related(
            Prefetch("parts", queryset=Segmentation.objects.select_related("model_version"))
        )
        .annotate(
            listed=Count("lesions", filter=Q(lesions__below_minimum=False)),
            below=Count("lesions", filter=Q(lesions__below_minimum=True)),
        )
        .order_by("exam__order", "source", "family", "model_version__name", "pk")
    )
    reviews = {s.pk: _review(s) for s in segmentations}
    _add_current_assessments(reviews)
    _add_verdict_counts(reviews)
    _add_region_volumes(reviews)
    _add_pacs_state(reviews)

    alarm_state = case_alarm_state(patient, user)  # worst first, then newest
    lines = {line["exam"]: line for line in alarm_state["exams"]}
    exams_by_pk = {exam.pk: exam for exam in exams}
    groups: dict[tuple[int, str], AlarmGroup] = {}
    for alarm in alarm_state["alarms"]:
        key = (alarm["exam"], alarm["kind"])
        groups.setdefault(key, AlarmGroup(exams_by_pk[alarm["exam"]], [])).alarms.append(alarm)
    return CaseSummary(
        patient=patient,
        exams=[
            ExamSummary(
                exam=exam,
                sequences=_sequences(exam),
                reviews=[
                    r
                    for r in reviews.values()
                    if r.segmentation.exam_id == exam.pk
                    and r.segmentation.source != Segmentation.Source.REFERENCE
                ],
                risk=lines.get(exam.pk, {}),  # none of a hidden exam
                in_reader_study=exam.pk in hidden,
                **_preprocessing(exam),
            )
            for exam in exams
        ],
        alarms=list(groups.values()),
        open_alarms=len(alarm_state["alarms"]),
        risk_score=alarm_state["patient_risk_score"],
        tracks=_volume_tracks(exams, list(reviews.values())),
        in_reader_study=bool(hidden),
    )


def _review(segmentation) -> SegmentationReview:
    return SegmentationReview(
        segmentation=segmentation,
        assessment=None,
        listed=segmentation.listed,
        below_minimum=segmentation.below,
    )


def _add_pacs_state(reviews: dict[int, SegmentationReview]) -> None:
    from_pacs = set(
        PacsStudy.objects.filter(exam__segmentations__in=list(reviews)).values_list(
            "exam", flat=True
        )
    )
    latest: dict[int, object] = {}  # segmentation -> its latest sending
    rows = SentResult.objects.filter(segmentation__in=list(reviews))
    rows = rows.select_related("connection", "sent_by")
    for sent in rows.order_by("sent_at", "pk"):
        if latest.get(sent.segmentation_id) != sent.sending:
            latest[sent.segmentation_id] = sent.sending
            reviews[sent.segmentation_id].sent = []
        reviews[sent.segmentation_id].sent.append(sent)
    for review in reviews.values():
        review.sendable = review.assessment is not None and review.segmentation.exam_id in from_pacs


def _preprocessing(exam: Exam) -> dict:
    runs = exam.preprocessing_runs.all()
    if not runs:
        return {}
    run = runs[0]
    if run.rejected_at is not None:
        state = f"preprocessing rejected by QA: {run.rejection_reason}"
    elif run.status == PreprocessingRun.Status.FAILED:
        state = f"preprocessing failed: {run.error}"
    elif not run.is_finished:
        state = f"preprocessing {run.status}"
    else:
        state = ""
    return {"preprocessing": state, "flags": tuple(f["reason"] for f in run.flags)}


def _sequences(exam: Exam) -> list[tuple[str, bool]]:
    present = {s.sequence for s in exam.series.all()}
    return [(str(sequence), str(sequence) in present) for sequence in CHANNEL_ORDER]


def _add_current_assessments(reviews: dict[int, SegmentationReview]) -> None:
    current = Assessment.objects.filter(segmentation__in=reviews).select_related("reader")
    for pk, assessment in current.current_by_segmentation().items():
        reviews[pk].assessment = assessment


def _add_verdict_counts(reviews: dict[int, SegmentationReview]) -> None:
    """Current verdicts (not superseded): one per lesion judged, one per lesion added. A
    withdrawal takes its verdict back: the lesion is unjudged again, the added one gone."""
    Decision = LesionVerdict.Decision
    counts = (
        LesionVerdict.objects.filter(
            segmentation__in=reviews,
            superseded_by__isnull=True,
            decision__in=[Decision.ACCEPTED, Decision.REJECTED, Decision.ADDED],
        )
        .values("segmentation", "decision")
        .annotate(lesions=Count("lesion", distinct=True), rows=Count("pk"))
    )
    for row in counts:
        review = reviews[row["segmentation"]]
        if row["decision"] == Decision.ADDED:
            review.added = row["rows"]
        else:
            setattr(review, row["decision"], row["lesions"])


def _add_region_volumes(reviews: dict[int, SegmentationReview]) -> None:
    """Each label's region (grading's volumes: from each component's composition) and their
    sum, the total; the nested totals TC and WT are not what a reader follows here."""
    volumes = region_volumes(review.segmentation for review in reviews.values())
    for pk, review in reviews.items():
        named = {v.region: v.volume_ml for v in volumes[pk] if v.region not in NESTED_TOTALS}
        review.volumes_ml = {**named, "total": sum(named.values())}


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
                if previous is not None:
                    row.incomparable = incompatibility(review.segmentation, previous.segmentation)
                    before = previous.volumes_ml["total"]
                    if before and not row.incomparable:
                        row.change_percent = 100.0 * (review.volumes_ml["total"] - before) / before
                previous = review
            rows.append(row)
        tracks.append(VolumeTrack(title=first.title, regions=regions, rows=rows))
    return tracks
