"""Designing a reader study, starting it and ending it (spec ms-workflows S-01…S-05).

A version is a draft until started; a draft may be changed in place (change_draft). Starting
locks it for good: each reader's first arm and every reading with its place in the reader's
order are generated once from the seed and stored; the database refuses any later change
(migration 0005). A change after the start is a new version (revise), which copies the newest
one; starting it ends the version that ran before, so that one version of a study runs at a
time and readings already made stay with the version they were made in.

Orders are reproducible: the readers' arms come from numpy's default_rng(seed), and a reader's
order in a phase from default_rng([seed, reader id, phase]) over the cases sorted by exam (a
phase-2 order equal to phase 1's is drawn again), so the same seed, readers and cases give the
same orders in any version."""

import dataclasses
import datetime
import secrets

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reviewer.cases.models import Exam
from reviewer.studies.models import (
    Arm,
    Reading,
    Study,
    StudyCase,
    StudyReader,
    StudyVersion,
    SurveyVersion,
)
from reviewer.studies.models.reader_studies import DEFAULT_INSTRUCTIONS, DEFAULT_WASHOUT

SETTINGS = ("instructions", "crossover", "washout", "seed", "survey_version")
PHASES = (1, 2)


class StudyError(ValueError):
    """A design or a reading refused as given; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


@dataclasses.dataclass(frozen=True)
class Design:
    """What a researcher decides; a version stores it as rows."""

    cases: tuple[Exam, ...]
    readers: tuple
    practice_cases: tuple[Exam, ...] = ()
    instructions: str = DEFAULT_INSTRUCTIONS
    crossover: bool = True
    washout: datetime.timedelta = DEFAULT_WASHOUT
    seed: int = dataclasses.field(default_factory=lambda: secrets.randbits(32))
    survey_version: SurveyVersion | None = None

    def check(self) -> None:
        if not self.cases:
            raise StudyError("a study reads at least one case", "cases")
        if not self.readers:
            raise StudyError("a study has at least one reader", "readers")
        for field in ("cases", "practice_cases", "readers"):
            keys = [item.pk for item in getattr(self, field)]
            if len(set(keys)) != len(keys):
                raise StudyError(f"{field}: each at most once", field)
        both = {exam.pk for exam in self.cases} & {exam.pk for exam in self.practice_cases}
        if both:
            raise StudyError(f"exams {sorted(both)} are study and practice cases", "practice_cases")
        if self.washout < datetime.timedelta(0):
            raise StudyError("the washout is not negative", "washout")
        if self.survey_version is not None and self.survey_version.published_at is None:
            raise StudyError("readings answer a published survey version", "survey_version")


def design_of(version: StudyVersion) -> Design:
    cases = list(version.cases.select_related("exam").order_by("exam_id"))
    return Design(
        cases=tuple(case.exam for case in cases if not case.practice),
        practice_cases=tuple(case.exam for case in cases if case.practice),
        readers=tuple(row.reader for row in version.readers.select_related("reader")),
        **{name: getattr(version, name) for name in SETTINGS},
    )


def create_study(*, name: str, description: str = "", user, design: Design) -> StudyVersion:
    """A study and its first version, a draft."""
    design.check()
    with transaction.atomic():
        study = Study.objects.create(name=name, description=description, created_by=user)
        return _new_version(study, design, user=user, note="")


def change_draft(version: StudyVersion, **changes) -> StudyVersion:
    """Change a draft's design in place (the same fields as Design)."""
    if version.locked_at is not None:
        raise StudyError(f"{version} is started and locked: revise the study instead")
    design = dataclasses.replace(design_of(version), **changes)
    design.check()
    with transaction.atomic():
        version.cases.all().delete()
        version.readers.all().delete()
        _write(version, design)
    return version


def revise(study: Study, *, user, note: str = "", **changes) -> StudyVersion:
    """A new draft version, numbered after the last: the newest version's design with the
    changes (the same fields as Design). The newest must be started: a draft is changed in
    place."""
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()  # numbers in turn
        newest = study.versions.order_by("-number").first()
        if newest.locked_at is None:
            raise StudyError(f"{newest} is a draft: change it in place")
        design = dataclasses.replace(design_of(newest), **changes)
        design.check()
        return _new_version(study, design, user=user, note=note)


def _new_version(study: Study, design: Design, *, user, note: str) -> StudyVersion:
    last = study.versions.aggregate(last=Max("number"))["last"] or 0
    version = StudyVersion(study=study, number=last + 1, note=note, created_by=user)
    _write(version, design)
    return version


def _write(version: StudyVersion, design: Design) -> None:
    for name in SETTINGS:
        setattr(version, name, getattr(design, name))
    version.save()
    StudyCase.objects.bulk_create(
        [StudyCase(version=version, exam=exam) for exam in design.cases]
        + [StudyCase(version=version, exam=exam, practice=True) for exam in design.practice_cases]
    )
    StudyReader.objects.bulk_create(
        [StudyReader(version=version, reader=reader) for reader in design.readers]
    )


def start(version: StudyVersion, *, now: datetime.datetime | None = None) -> StudyVersion:
    """Lock the design and generate, once, each reader's first arm and readings; end the
    version of the study that ran until now."""
    now = now or timezone.now()
    with transaction.atomic():
        StudyVersion.objects.select_for_update().filter(pk=version.pk).first()  # one start
        version.refresh_from_db()
        if version.locked_at is not None:
            raise StudyError(f"{version} was started on {version.locked_at:%Y-%m-%d}: its "
                             "readings were generated then, once")  # fmt: skip
        design_of(version).check()
        cases = list(version.cases.order_by("exam_id"))
        readers = list(version.readers.order_by("reader_id"))
        for reader, arm in zip(readers, _first_arms(version, len(readers)), strict=True):
            reader.first_arm = arm
            reader.save(update_fields=["first_arm"])
        Reading.objects.bulk_create(
            reading for reader in readers for reading in _readings(version, reader, cases)
        )
        for running in version.study.versions.running():
            end(running, now=now)
        version.locked_at = now
        version.save(update_fields=["locked_at"])
    return version


def _first_arms(version: StudyVersion, readers: int) -> list[str]:
    """Unaided for every reader in the fixed order; in a crossover, unaided for a random half
    (the odd one out starts unaided, as in the paper)."""
    if not version.crossover:
        return [Arm.UNAIDED] * readers
    unaided = set(np.random.default_rng(version.seed).permutation(readers)[: (readers + 1) // 2])
    return [Arm.UNAIDED if index in unaided else Arm.AI_AIDED for index in range(readers)]


def _readings(version: StudyVersion, reader: StudyReader, cases: list[StudyCase]):
    """Practice cases first (phase 0, in both arms, the reader's first arm first), then every
    study case once in phase 1 in the reader's first arm and once in phase 2 in the other."""
    arms = [reader.first_arm, Arm.AI_AIDED if reader.first_arm == Arm.UNAIDED else Arm.UNAIDED]
    practice = _shuffled(version, reader, Reading.PRACTICE, [c for c in cases if c.practice])
    for position, (arm, case) in enumerate((arm, case) for arm in arms for case in practice):
        yield Reading(
            version=version, reader_id=reader.reader_id, case=case, arm=arm,
            phase=Reading.PRACTICE, position=position,
        )  # fmt: skip
    study_cases = [case for case in cases if not case.practice]
    orders = _orders(version, reader, study_cases)
    for phase, arm, order in zip(PHASES, arms, orders, strict=True):
        for position, case in enumerate(order):
            yield Reading(
                version=version, reader_id=reader.reader_id, case=case, arm=arm,
                phase=phase, position=position,
            )  # fmt: skip


def _orders(version: StudyVersion, reader: StudyReader, cases: list[StudyCase]):
    """The reader's orders of phases 1 and 2; phase 2's differs from phase 1's (S-03): a draw
    equal to it is drawn again from the same generator."""
    first = _shuffled(version, reader, 1, cases)
    rng = _generator(version, reader, 2)
    second = first
    while second == first and len(cases) > 1:
        second = [cases[index] for index in rng.permutation(len(cases))]
    return first, second


def _shuffled(version: StudyVersion, reader: StudyReader, phase: int, cases: list[StudyCase]):
    rng = _generator(version, reader, phase)
    return [cases[index] for index in rng.permutation(len(cases))]


def _generator(version: StudyVersion, reader: StudyReader, phase: int) -> np.random.Generator:
    return np.random.default_rng([version.seed, reader.reader_id, phase])


def end(version: StudyVersion, *, now: datetime.datetime | None = None) -> StudyVersion:
    """End a running version: no reading is served after, and AI output shows again."""
    if not version.is_running:
        raise StudyError(f"{version} is not running")
    version.ended_at = now or timezone.now()
    version.save(update_fields=["ended_at"])
    return version
