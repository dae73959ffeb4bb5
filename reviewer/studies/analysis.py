"""The analysis of a started study version (spec S-15), from its finished readings of phases 1
and 2 (practice never counts): reading times per arm and their paired comparison, agreement
between the readers on each categorical question per arm, and each reader's lesion detection per
arm against the adjudicated reference standard once the adjudication is settled.

The numbers come from reviewer.studies.statistics (scipy, statsmodels, krippendorff); this
module only gathers the readings into their tables. A statistic that the readings do not allow
yet (fewer than two pairs, one reader) is None with the reason, not an error."""

import dataclasses
import statistics as stdlib

from reviewer.studies import adjudication
from reviewer.studies.definitions import questions
from reviewer.studies.models import Arm, ReadingSession, StudyVersion, SurveyResponse
from reviewer.studies.statistics.agreement import fleiss_kappa, pairwise_cohen_kappa
from reviewer.studies.statistics.arms import compare_arms
from reviewer.studies.statistics.detection import reader_detection

CATEGORICAL = ("single_choice", "grade")
ARMS = (Arm.UNAIDED, Arm.AI_AIDED)


@dataclasses.dataclass(frozen=True)
class Refused:
    """A statistic the readings do not allow yet, and why."""

    reason: str


def analyse(version: StudyVersion) -> dict:
    sessions = list(
        ReadingSession.objects.filter(reading__version=version, reading__phase__gt=0)
        .select_related("reading__reader", "reading__case")
        .order_by("reading__reader__username", "reading__case__exam_id", "reading__arm")
    )
    return {
        "readings": len(sessions),
        "times": reading_times(sessions),
        "agreement": agreement(version, sessions),
        "detection": detection(version),
    }


def reading_times(sessions) -> dict:
    """Seconds per arm (mean, SD, range, interrupted readings) and aided against unaided over
    the (reader, case) pairs read in both arms."""
    by_arm = {arm: [s for s in sessions if s.reading.arm == arm] for arm in ARMS}
    summary = {
        arm: _describe([s.reading_seconds for s in rows], sum(s.interrupted for s in rows))
        for arm, rows in by_arm.items()
    }
    seconds = {
        (s.reading.reader_id, s.reading.case_id, s.reading.arm): s.reading_seconds for s in sessions
    }
    read_in = {arm: {(r, c) for r, c, a in seconds if a == arm} for arm in ARMS}
    pairs = sorted(read_in[Arm.UNAIDED] & read_in[Arm.AI_AIDED])
    comparison = _paired(
        [seconds[(*pair, Arm.UNAIDED)] for pair in pairs],
        [seconds[(*pair, Arm.AI_AIDED)] for pair in pairs],
    )
    return {
        "by_arm": summary,
        "comparison": comparison,
        "per_reading": [
            {
                "reader": s.reading.reader.get_username(),
                "arm": s.reading.arm,
                "seconds": s.reading_seconds,
            }
            for s in sessions
        ],
    }


def agreement(version: StudyVersion, sessions) -> list[dict]:
    """Per categorical question of the study's survey and per arm: Fleiss' κ over the cases
    every reader answered, and Cohen's κ for each pair of readers."""
    if version.survey_version is None:
        return []
    readings = {s.reading_id: s.reading for s in sessions}
    responses = SurveyResponse.objects.filter(reading__in=readings, superseded_by__isnull=True)
    answers = {response.reading_id: response.answers for response in responses}
    results = []
    for question in questions(version.survey_version.definition):
        if question["type"] not in CATEGORICAL:
            continue
        for arm in ARMS:
            table = _ratings(question["id"], arm, readings.values(), answers)
            results.append(
                {"question": question["id"], "text": question["text"], "arm": arm, **table}
            )
    return results


def detection(version: StudyVersion):
    """Per reader and arm: the settled TP lesions they marked over all TP lesions (sensitivity,
    Wilson interval) and the FP lesions they marked per case, from the adjudication; refused
    while it is unfinished or the study asks for no marks."""
    if version.survey_version is None or not _asks_marks(version):
        return Refused("the study asks for no lesion marks")
    try:
        reference = adjudication.reference_standard(version)
    except adjudication.AdjudicationError as unfinished:
        return Refused(str(unfinished))
    true = {lesion.pk for case in reference for lesion in case.lesions}
    if not true:
        return Refused("the adjudication found no true lesion: sensitivity is not defined")
    matrix = adjudication.lesion_matrix(version)
    first_arms = dict(version.readers.values_list("reader_id", "first_arm"))
    rows = []
    for reader in matrix.readers:
        for arm in ARMS:
            phase = 1 if first_arms[reader.pk] == arm else 2
            found = {lesion.lesion.pk: lesion.found[(reader.pk, phase)] for lesion in matrix.rows}
            row = {"reader": reader.get_username(), "arm": arm}
            if None in found.values():
                rows.append({**row, "result": Refused("readings unfinished")})
                continue
            marked = [pk for pk, hit in found.items() if hit]
            result = reader_detection(
                detected=sum(pk in true for pk in marked),
                reference_lesions=len(true),
                false_positives=sum(pk not in true for pk in marked),
                cases=len(reference),
            )
            rows.append({**row, "result": result})
    return {"reference_lesions": len(true), "cases": len(reference), "rows": rows}


def _asks_marks(version: StudyVersion) -> bool:
    return any(q["type"] == "lesion_marks" for q in questions(version.survey_version.definition))


def _ratings(question: str, arm: str, readings, answers) -> dict:
    """Readers' answers per case in one arm, and the agreement they allow."""
    by_reader: dict[str, dict[int, object]] = {}
    for reading in readings:
        value = answers.get(reading.pk, {}).get(question)
        if reading.arm == arm and value is not None:
            by_reader.setdefault(reading.reader.get_username(), {})[reading.case_id] = value
    readers = sorted(by_reader)
    cases = sorted(set.intersection(*(set(r) for r in by_reader.values()))) if readers else []
    if len(readers) < 2 or len(cases) < 2:
        reason = "needs two readers who answered the same two cases or more"
        return {"readers": readers, "cases": len(cases), "fleiss": Refused(reason), "cohen": {}}
    rows = [[str(by_reader[reader][case]) for reader in readers] for case in cases]
    columns = {reader: [str(by_reader[reader][case]) for case in cases] for reader in readers}
    return {
        "readers": readers,
        "cases": len(cases),
        "fleiss": fleiss_kappa(rows),
        "cohen": {" / ".join(pair): kappa for pair, kappa in pairwise_cohen_kappa(columns).items()},
    }


def _describe(seconds: list[float], interrupted: int) -> dict:
    if not seconds:
        return {"readings": 0, "interrupted": 0}
    return {
        "readings": len(seconds),
        "interrupted": interrupted,
        "mean": stdlib.fmean(seconds),
        "sd": stdlib.stdev(seconds) if len(seconds) > 1 else None,
        "min": min(seconds),
        "max": max(seconds),
    }


def _paired(unaided: list[float], aided: list[float]):
    if len(unaided) < 2:
        return Refused("needs two or more (reader, case) pairs read in both arms")
    return compare_arms(unaided, aided)
