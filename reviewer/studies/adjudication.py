"""Colocalisation and adjudication of a reader study version (spec ms-workflows S-13, S-14).

**Colocalisation.** The marks of the version's lesion-marks question, from the finished readings of
phases 1 and 2 (practice is never analysed), are grouped per case into distinct lesions
(reviewer.studies.colocalisation). ``colocalise`` may run again whenever new readings are
finished: the lesions that exist, automatic or made by hand, stay as they are, new marks join
them or make new ones; a run that changes nothing makes no revision. A person merges lesions
(the same lesion marked twice by one reader, say) or splits one. Every change is a new revision
that retires the lesions it replaces (models.adjudication); a lesion whose marks changed is a new
lesion, and labels given to the one it replaces stay on record but no longer count.

**Adjudication.** The study's researcher designates adjudicators (radiologists or QA admins; the
spec's default, the two most experienced readers, is the researcher's choice: readers' experience
is not recorded). Each labels every lesion TP or FP; a lesion is settled when every designated
adjudicator's latest label agrees, disputed when two disagree. The settled TP lesions are the
version's reference standard.

**Who sees it.** The adjudication shows every reader's marks, which readers must not see while
they read (S-07). It is open to the study's researcher (and the data steward, as every study
is) and the designated adjudicators only,
and to one of them who also reads in the version only once all their own readings of the
version are finished: an adjudicator who reads adjudicates after reading, never before."""

import dataclasses
from collections import defaultdict

import numpy as np
from django.db import IntegrityError, transaction

from reviewer.cases.permissions import grant_patient
from reviewer.core.models import Role
from reviewer.studies import colocalisation
from reviewer.studies.definitions import questions
from reviewer.studies.design import PHASES, StudyError
from reviewer.studies.models import (
    AdjudicationLabel,
    Adjudicator,
    ColocalisationRevision,
    Reading,
    RetiredLesion,
    StudyCase,
    StudyLesion,
    StudyLesionMark,
    StudyVersion,
    SurveyResponse,
)

ADJUDICATOR_ROLES = (Role.RADIOLOGIST, Role.QA_ADMIN)
RESEARCHER, ADJUDICATOR = "researcher", "adjudicator"
PENDING, DISPUTED = "pending", "disputed"  # besides the settled labels, "tp" and "fp"
TP, FP = AdjudicationLabel.Value.TP, AdjudicationLabel.Value.FP


class AdjudicationError(StudyError):
    """A colocalisation or adjudication refused as given; ``field`` names the input at fault."""


class StaleLabel(AdjudicationError):
    """The label named as corrected is not the adjudicator's latest label of the lesion."""


# Who may do what


def role_in(user, version: StudyVersion) -> str | None:
    """RESEARCHER for the study's researcher (and the data steward, who sees every study),
    ADJUDICATOR for a designated adjudicator; else None."""
    if not user.is_authenticated:
        return None
    if version.study.created_by_id == user.pk or user.role == Role.ADMIN:
        return RESEARCHER
    if version.adjudicators.filter(user=user).exists():
        return ADJUDICATOR
    return None


def unfinished_readings(user, version: StudyVersion) -> int:
    return Reading.objects.filter(version=version, reader=user, session__isnull=True).count()


def check_may_see(user, version: StudyVersion) -> str:
    """The user's role in the adjudication, or AdjudicationError: they have none, or they still
    read in the version (S-07)."""
    role = role_in(user, version)
    if role is None:
        raise AdjudicationError(f"{user} neither runs nor adjudicates {version}", "user")
    left = unfinished_readings(user, version)
    if left:
        raise AdjudicationError(
            f"{user} still has {left} readings of {version} to finish: other readers' marks "
            "show once they are read",
            "user",
        )
    return role


def _check_started(version: StudyVersion) -> None:
    if version.locked_at is None:
        raise AdjudicationError(
            f"{version} is a draft: nothing is read or adjudicated yet", "version"
        )


# Adjudicators


def designate(version: StudyVersion, user, *, by) -> Adjudicator:
    """The study's researcher designates a radiologist or QA admin to adjudicate the version;
    they may see the patients of its study cases from then on."""
    if role_in(by, version) != RESEARCHER:
        raise AdjudicationError(f"only {version.study}'s researcher designates adjudicators", "by")
    if user.role not in ADJUDICATOR_ROLES:
        raise AdjudicationError(
            f"{user} is a {user.get_role_display()}: adjudicators are radiologists or QA admins",
            "user",
        )
    if version.adjudicators.filter(user=user).exists():
        raise AdjudicationError(f"{user} already adjudicates {version}", "user")
    with transaction.atomic():
        for case in version.cases.filter(practice=False).select_related("exam__patient"):
            grant_patient(case.exam.patient, user)  # they open the cases in the viewer
        return Adjudicator.objects.create(version=version, user=user, designated_by=by)


# Marks and colocalisation


@dataclasses.dataclass(frozen=True)
class Mark:
    """A reader's mark: mark ``index`` of the lesion-marks answer of ``response``."""

    reading: Reading
    response_id: int
    index: int
    position: tuple[float, float, float]
    label: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.response_id, self.index)


def marks_question(version: StudyVersion) -> str:
    """The id of the version's one lesion-marks question."""
    if version.survey_version is None:
        raise AdjudicationError(f"{version} asks no questions: no marks to colocalise", "version")
    found = [
        question["id"]
        for question in questions(version.survey_version.definition)
        if question["type"] == "lesion_marks"
    ]
    if len(found) != 1:
        raise AdjudicationError(
            f"{version.survey_version} has {len(found)} lesion-marks questions "
            f"({', '.join(found) or 'none'}): colocalisation needs exactly one",
            "survey_version",
        )
    return found[0]


def current_marks(version: StudyVersion) -> list[Mark]:
    """The marks of the finished readings of phases 1 and 2, from each reading's latest
    response."""
    question = marks_question(version)
    responses = (
        SurveyResponse.objects.filter(
            reading__version=version,
            reading__phase__in=PHASES,
            reading__case__practice=False,
            reading__session__isnull=False,
            superseded_by__isnull=True,
        )
        .select_related("reading")
        .order_by("reading__case_id", "reading__reader_id", "reading__phase", "pk")
    )
    return [
        Mark(
            reading=response.reading,
            response_id=response.pk,
            index=index,
            position=tuple(float(v) for v in mark["position_mm"]),
            label=mark.get("label") or "",
        )
        for response in responses
        for index, mark in enumerate(response.answers.get(question) or [])
    ]


def colocalise(
    version: StudyVersion, *, by, tolerance_mm: float = colocalisation.DEFAULT_TOLERANCE_MM
) -> ColocalisationRevision | None:
    """Bring the version's lesions up to date with its finished readings: the revision made, or
    None when nothing changed (a second run, or no new marks)."""
    with transaction.atomic():
        version = _locked(version)
        check_may_see(by, version)
        marks = current_marks(version)
        members = _current_members(version)
        made = []  # (marks, the lesion they replace or None): the lesions to make
        by_case: dict[int, list[Mark]] = defaultdict(list)
        for mark in marks:
            by_case[mark.reading.case_id].append(mark)
        for case_marks in by_case.values():
            clusters = colocalisation.colocalise(
                [mark.position for mark in case_marks],
                [mark.reading.pk for mark in case_marks],
                tolerance_mm=tolerance_mm,
                fixed=[members.get(mark.key) for mark in case_marks],
            )
            for cluster in clusters:
                chosen = [case_marks[i] for i in cluster.members]
                keys = {mark.key for mark in chosen}
                if cluster.fixed is None or keys != _keys_of(members, cluster.fixed):
                    made.append((chosen, cluster.fixed))  # new, or changed
        kept = {mark.key for mark in marks}
        # lesions every mark of which was corrected away
        vanished = {members[key] for key in members if key not in kept} - {
            members[key] for key in kept if key in members
        }
        if not made and not vanished:
            return None
        revision = _revision(version, ColocalisationRevision.Kind.AUTOMATIC, by, tolerance_mm)
        for chosen, replaced in made:
            _lesion(revision, chosen, replaces=[] if replaced is None else [replaced])
        RetiredLesion.objects.bulk_create(
            RetiredLesion(lesion_id=lesion_id, revision=revision) for lesion_id in sorted(vanished)
        )
        return revision


def merge(lesions, *, by) -> StudyLesion:
    """One lesion of the marks of two or more lesions of one case."""
    lesions = list(lesions)
    if len({lesion.pk for lesion in lesions}) < 2:
        raise AdjudicationError("merge two lesions or more", "lesions")
    version = lesions[0].version
    with transaction.atomic():
        version = _locked(version)
        check_may_see(by, version)
        current = _current(version, lesions)
        if len({lesion.case_id for lesion in current}) > 1:
            raise AdjudicationError(
                f"lesions {_ids(current)} lie on different cases: merge lesions of one case",
                "lesions",
            )
        revision = _revision(version, ColocalisationRevision.Kind.MERGE, by)
        marks = StudyLesionMark.objects.filter(lesion__in=current).select_related("reading")
        return _lesion(revision, [_as_mark(mark) for mark in marks], replaces=_ids(current))


def split(lesion: StudyLesion, marks, *, by) -> tuple[StudyLesion, StudyLesion]:
    """Two lesions: the given marks of the lesion (StudyLesionMark ids or rows), and the rest."""
    chosen = {getattr(mark, "pk", mark) for mark in marks}
    with transaction.atomic():
        version = _locked(lesion.version)
        check_may_see(by, version)
        (lesion,) = _current(version, [lesion])
        members = list(lesion.marks.select_related("reading"))
        strangers = chosen - {mark.pk for mark in members}
        if strangers:
            raise AdjudicationError(
                f"marks {sorted(strangers)} are not marks of lesion {lesion.pk}", "marks"
            )
        if not chosen or len(chosen) == len(members):
            raise AdjudicationError(
                f"choose some of lesion {lesion.pk}'s {len(members)} marks, not none or all",
                "marks",
            )
        revision = _revision(version, ColocalisationRevision.Kind.SPLIT, by)
        parts = [[m for m in members if (m.pk in chosen) == side] for side in (True, False)]
        first = _lesion(revision, [_as_mark(mark) for mark in parts[0]], replaces=[lesion.pk])
        second = _lesion(revision, [_as_mark(mark) for mark in parts[1]], replaces=[])
        return first, second


def _locked(version: StudyVersion) -> StudyVersion:
    """The version, locked for this transaction: its revisions are made one at a time."""
    version = StudyVersion.objects.select_for_update().select_related("study").get(pk=version.pk)
    _check_started(version)
    return version


def _current(version: StudyVersion, lesions) -> list[StudyLesion]:
    wanted = {lesion.pk for lesion in lesions}
    found = list(version.lesions.current().filter(pk__in=wanted))
    gone = wanted - {lesion.pk for lesion in found}
    if gone:
        raise AdjudicationError(
            f"lesions {sorted(gone)} are not current lesions of {version} (replaced meanwhile?)",
            "lesions",
        )
    return found


def _current_members(version: StudyVersion) -> dict[tuple[int, int], int]:
    """(response id, mark index) -> current lesion id."""
    rows = StudyLesionMark.objects.filter(
        lesion__version=version, lesion__retirement__isnull=True
    ).values_list("response_id", "index", "lesion_id")
    return {(response, index): lesion for response, index, lesion in rows}


def _keys_of(members: dict, lesion_id: int) -> set:
    return {key for key, lesion in members.items() if lesion == lesion_id}


def _revision(version, kind, by, tolerance_mm=None) -> ColocalisationRevision:
    last = version.colocalisation_revisions.order_by("-number").first()
    return ColocalisationRevision.objects.create(
        version=version,
        number=(last.number if last else 0) + 1,
        kind=kind,
        tolerance_mm=tolerance_mm,
        made_by=by,
    )


def _lesion(revision, marks: list[Mark], *, replaces) -> StudyLesion:
    RetiredLesion.objects.bulk_create(
        [RetiredLesion(lesion_id=lesion_id, revision=revision) for lesion_id in replaces]
    )
    x, y, z = np.mean([mark.position for mark in marks], axis=0)
    lesion = StudyLesion.objects.create(
        version=revision.version,
        case_id=marks[0].reading.case_id,
        revision=revision,
        x_mm=float(x),
        y_mm=float(y),
        z_mm=float(z),
    )
    StudyLesionMark.objects.bulk_create(
        StudyLesionMark(
            lesion=lesion,
            reading=mark.reading,
            response_id=mark.response_id,
            index=mark.index,
            x_mm=mark.position[0],
            y_mm=mark.position[1],
            z_mm=mark.position[2],
            label=mark.label,
        )  # fmt: skip
        for mark in marks
    )
    return lesion


def _as_mark(member: StudyLesionMark) -> Mark:
    position = (member.x_mm, member.y_mm, member.z_mm)
    return Mark(member.reading, member.response_id, member.index, position, member.label)


def _ids(lesions) -> list[int]:
    return sorted(lesion.pk for lesion in lesions)


def is_up_to_date(version: StudyVersion) -> bool:
    """Whether the current lesions hold exactly the marks of the finished readings."""
    return {mark.key for mark in current_marks(version)} == set(_current_members(version))


# Labels and consensus


def label(
    lesion: StudyLesion, *, adjudicator, value: str, supersedes: AdjudicationLabel | None = None
) -> AdjudicationLabel:
    """The adjudicator labels the lesion TP or FP; a correction names the label it supersedes,
    their latest of the lesion (StaleLabel otherwise). The same value again changes nothing."""
    version = lesion.version
    _check_started(version)
    if not version.adjudicators.filter(user=adjudicator).exists():
        raise AdjudicationError(f"{adjudicator} is not an adjudicator of {version}", "adjudicator")
    left = unfinished_readings(adjudicator, version)
    if left:
        raise AdjudicationError(
            f"{adjudicator} adjudicates once their {left} unfinished readings of {version} are "
            "read",
            "adjudicator",
        )
    if value not in AdjudicationLabel.Value.values:
        raise AdjudicationError(f"{value!r} is not a label: tp or fp", "value")
    if RetiredLesion.objects.filter(lesion=lesion).exists():
        raise AdjudicationError(
            f"lesion {lesion.pk} was replaced by a later colocalisation: label its successor",
            "lesion",
        )
    latest = _latest_labels([lesion]).get((lesion.pk, adjudicator.pk))
    if (supersedes.pk if supersedes else None) != (latest.pk if latest else None):
        raise StaleLabel(
            f"lesion {lesion.pk}: you labelled it meanwhile; reload to see your latest label",
            "supersedes",
        )
    if latest is not None and latest.value == value:
        return latest
    try:
        with transaction.atomic():
            return AdjudicationLabel.objects.create(
                lesion=lesion, adjudicator=adjudicator, value=value, supersedes=supersedes
            )
    except IntegrityError as error:  # a second label sent at the same time
        raise StaleLabel(
            f"lesion {lesion.pk}: you labelled it meanwhile; reload", "supersedes"
        ) from error


def _latest_labels(lesions) -> dict[tuple[int, int], AdjudicationLabel]:
    """(lesion id, adjudicator id) -> their label nothing supersedes."""
    rows = AdjudicationLabel.objects.filter(lesion__in=lesions, superseded_by__isnull=True)
    return {(row.lesion_id, row.adjudicator_id): row for row in rows}


@dataclasses.dataclass(frozen=True)
class Consensus:
    """``state``: "tp" or "fp" when every designated adjudicator's latest label says so,
    DISPUTED when two disagree, PENDING otherwise; ``labels``: adjudicator id -> latest label."""

    state: str
    labels: dict[int, AdjudicationLabel]

    @property
    def settled(self) -> bool:
        return self.state in (TP, FP)


def _consensus(labels: dict[int, AdjudicationLabel], adjudicators: set[int]) -> Consensus:
    counted = {user: row for user, row in labels.items() if user in adjudicators}
    values = {row.value for row in counted.values()}
    if len(values) > 1:
        return Consensus(DISPUTED, counted)
    if not adjudicators or len(counted) < len(adjudicators):
        return Consensus(PENDING, counted)
    return Consensus(values.pop(), counted)


# The lesion × reader × phase matrix and the reference standard


@dataclasses.dataclass(frozen=True)
class LesionRow:
    """A current lesion; ``found[(reader id, phase)]``: True when the reader marked it in that
    phase, False when they read the case then without marking it, None while that reading is
    unfinished."""

    lesion: StudyLesion
    found: dict[tuple[int, int], bool | None]
    consensus: Consensus


@dataclasses.dataclass(frozen=True)
class LesionMatrix:
    readers: list  # the version's readers (users), by id
    phases: tuple[int, ...]
    rows: list[LesionRow]  # by case (exam), then lesion

    def found_array(self) -> np.ndarray:
        """lesions × readers × phases: 1.0 found, 0.0 missed, nan unread (None)."""
        found = [
            [[row.found[(r.pk, p)] for p in self.phases] for r in self.readers] for row in self.rows
        ]
        shape = (len(self.rows), len(self.readers), len(self.phases))
        return np.array(found, dtype=float).reshape(shape)


def lesion_matrix(version: StudyVersion) -> LesionMatrix:
    """The version's current lesions, who found each in which phase, and their consensus."""
    readers = [row.reader for row in version.readers.select_related("reader").order_by("reader")]
    lesions = list(
        version.lesions.current().select_related("case__exam__patient").order_by("case__exam", "pk")
    )
    marked = defaultdict(set)
    for lesion_id, reader_id, phase in StudyLesionMark.objects.filter(
        lesion__in=lesions
    ).values_list("lesion_id", "reading__reader_id", "reading__phase"):
        marked[lesion_id].add((reader_id, phase))
    finished = set(
        Reading.objects.filter(
            version=version, phase__in=PHASES, session__isnull=False
        ).values_list("case_id", "reader_id", "phase")
    )
    adjudicators = set(version.adjudicators.values_list("user_id", flat=True))
    latest = _latest_labels(lesions)
    labels = defaultdict(dict)
    for (lesion_id, user_id), row in latest.items():
        labels[lesion_id][user_id] = row
    rows = [
        LesionRow(
            lesion=lesion,
            found={
                (reader.pk, phase): (reader.pk, phase) in marked[lesion.pk]
                if (lesion.case_id, reader.pk, phase) in finished
                else None
                for reader in readers
                for phase in PHASES
            },
            consensus=_consensus(labels[lesion.pk], adjudicators),
        )
        for lesion in lesions
    ]
    return LesionMatrix(readers=readers, phases=PHASES, rows=rows)


@dataclasses.dataclass(frozen=True)
class CaseReference:
    """A study case and its TP lesions (none: a case without new lesions, a reference negative)."""

    case: StudyCase
    lesions: list[StudyLesion]


def reference_standard(version: StudyVersion) -> list[CaseReference]:
    """Every study case (practice excluded) with its settled TP lesions, by exam; refused while
    the colocalisation is behind the finished readings or a lesion is not settled."""
    if not is_up_to_date(version):
        raise AdjudicationError(
            f"{version}'s colocalisation is behind its finished readings: colocalise first",
            "version",
        )
    matrix = lesion_matrix(version)
    open_lesions = [row.lesion.pk for row in matrix.rows if not row.consensus.settled]
    if open_lesions:
        raise AdjudicationError(
            f"lesions {open_lesions} of {version} are not settled (pending or disputed)", "lesions"
        )
    accepted = defaultdict(list)
    for row in matrix.rows:
        if row.consensus.state == TP:
            accepted[row.lesion.case_id].append(row.lesion)
    cases = version.cases.filter(practice=False).select_related("exam").order_by("exam")
    return [CaseReference(case=case, lesions=accepted[case.pk]) for case in cases]
