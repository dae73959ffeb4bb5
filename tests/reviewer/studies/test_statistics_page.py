"""The statistics page of a study version: its reading times and agreement figures match what
scipy and statsmodels give on the same readings, computed here apart from the page."""

import datetime
import re

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import inter_rater

from reviewer.studies.models import Arm, ReadingSession
from reviewer.studies.readings import WashoutPending, finish, next_reading
from tests.reviewer.studies.conftest import START

CATEGORIES = ("none", "one", "more")


def answer_for(reader_index: int, case_index: int, arm: str) -> str:
    """Readers who mostly agree, and disagree on some cases."""
    shift = 1 if (arm == Arm.AI_AIDED and case_index == reader_index) else 0
    return CATEGORIES[(case_index + shift) % 3]


@pytest.fixture
def read_study(started, readers, exams):
    """Every reader reads everything: phase 1, the washout, phase 2; minutes vary."""
    index = {exam.pk: i for i, exam in enumerate(exams)}
    for r, reader in enumerate(readers):
        now = START
        while True:
            try:
                reading = next_reading(reader, started, now)
            except WashoutPending as pending:
                now = pending.until
                continue
            if reading is None:
                break
            now += datetime.timedelta(minutes=3 + r + index.get(reading.case.exam_id, 0))
            case = index.get(reading.case.exam_id, 0)
            aided_less = -0.3 * (case + 1) if reading.arm == Arm.AI_AIDED else 0
            finish(
                reading,
                reader=reader,
                started_at=now - datetime.timedelta(minutes=2 + (case + r) % 4 + aided_less),
                gaps=[],
                answers={"category": answer_for(r, case, reading.arm)},
                now=now,
            )
    return started


def page_of(client, version) -> str:
    url = f"/studies/{version.study_id}/versions/{version.number}/statistics/"
    return client.get(url).content.decode()


def stat(page: str, selector: str, name: str) -> float:
    row = page.split(selector, 1)[1]
    return float(re.search(rf'data-stat="{name}">([-0-9.]+)[ <]', row).group(1))


def test_the_page_shows_the_mean_reading_time_of_each_arm(client_for, researcher, read_study):
    page = page_of(client_for(researcher), read_study)

    for arm in (Arm.UNAIDED, Arm.AI_AIDED):
        seconds = ReadingSession.objects.filter(
            reading__version=read_study, reading__phase__gt=0, reading__arm=arm
        ).values_list("reading_seconds", flat=True)
        assert stat(page, f'<tr data-arm="{arm}">', "mean") == pytest.approx(
            np.mean(seconds), abs=0.05
        )


def test_the_page_compares_the_arms_with_scipys_paired_t_test(client_for, researcher, read_study):
    sessions = ReadingSession.objects.filter(reading__version=read_study, reading__phase__gt=0)
    times = {
        (s.reading.reader_id, s.reading.case_id, s.reading.arm): s.reading_seconds for s in sessions
    }
    pairs = sorted({(reader, case) for reader, case, _ in times})
    unaided = [times[(*pair, Arm.UNAIDED)] for pair in pairs]
    aided = [times[(*pair, Arm.AI_AIDED)] for pair in pairs]

    page = page_of(client_for(researcher), read_study)

    assert stat(page, 'data-comparison="paired"', "pairs") == len(pairs)
    assert stat(page, 'data-comparison="paired"', "t_p") == pytest.approx(
        stats.ttest_rel(aided, unaided).pvalue, abs=5e-5
    )


def test_the_page_shows_fleiss_kappa_of_each_arm_as_statsmodels_computes_it(
    client_for, researcher, read_study, readers, exams
):
    page = page_of(client_for(researcher), read_study)

    for arm in (Arm.UNAIDED, Arm.AI_AIDED):
        table = [[answer_for(r, c, arm) for r in range(len(readers))] for c in range(len(exams))]
        expected = inter_rater.fleiss_kappa(inter_rater.aggregate_raters(table)[0])
        cell = page.split(f'data-question="category" data-arm="{arm}"', 1)[1]
        shown = float(re.search(r'data-stat="fleiss">([-0-9.]+) ', cell).group(1))
        assert shown == pytest.approx(expected, abs=5e-4)


def test_practice_readings_do_not_count(client_for, researcher, read_study, readers, exams):
    page = page_of(client_for(researcher), read_study)

    assert stat(page, f'<tr data-arm="{Arm.UNAIDED}">', "readings") == len(readers) * len(exams)


def test_a_draft_has_no_statistics(client_for, researcher, draft):
    assert (
        client_for(researcher).get(f"/studies/{draft.study_id}/versions/1/statistics/").status_code
        == 404
    )


def test_a_reader_may_not_see_the_statistics(client_for, readers, started):
    response = client_for(readers[0]).get(f"/studies/{started.study_id}/versions/1/statistics/")

    assert response.status_code == 403


# Detection against the adjudicated reference (S-13, S-14, S-15)
LESION_A, LESION_B, NOTHING = (10.0, 10.0, 10.0), (-20.0, 5.0, 0.0), (60.0, -40.0, 30.0)


def planned_marks(reading, readers, exams):
    """Reader 0 finds A on exam 0 in both arms and B on exam 1 only aided; reader 1 finds A
    only aided, marks nothing real unaided but a false one, and B in both arms."""
    first, second = readers[:2]
    aided = reading.arm == Arm.AI_AIDED
    on_first_exam = reading.case.exam_id == exams[0].pk
    if reading.reader_id == first.pk:
        return [LESION_A] if on_first_exam else ([LESION_B] if aided else [])
    if on_first_exam:
        return [LESION_A] if aided else [NOTHING]
    return [LESION_B]


@pytest.fixture
def adjudicated(marks_study, researcher, readers, exams, make_user):
    from reviewer.studies import adjudication
    from tests.reviewer.studies.conftest import read_marking

    for reader in readers[:2]:
        read_marking(reader, marks_study, lambda r: planned_marks(r, readers, exams))
    adjudication.colocalise(marks_study, by=researcher)
    judge = make_user("radiologist")
    adjudication.designate(marks_study, judge, by=researcher)
    for row in adjudication.lesion_matrix(marks_study).rows:
        value = "fp" if row.lesion.centroid == NOTHING else "tp"
        adjudication.label(row.lesion, adjudicator=judge, value=value)
    return marks_study


def test_the_page_shows_each_readers_sensitivity_and_false_positives_per_arm(
    client_for, researcher, adjudicated, readers, exams
):
    page = page_of(client_for(researcher), adjudicated)

    for reader in readers[:2]:
        for arm in (Arm.UNAIDED, Arm.AI_AIDED):
            readings = adjudicated.readings.filter(reader=reader, arm=arm, phase__gt=0)
            marks = [m for r in readings for m in planned_marks(r, readers, exams)]
            row = f'<tr data-reader="{reader.username}" data-arm="{arm}">'
            assert stat(page, row, "sensitivity") == pytest.approx(
                sum(m in (LESION_A, LESION_B) for m in marks) / 2, abs=5e-4
            )
            assert stat(page, row, "fp_per_case") == pytest.approx(
                marks.count(NOTHING) / 2, abs=5e-4
            )


def test_detection_waits_for_the_adjudication(client_for, researcher, marks_study, readers, exams):
    from tests.reviewer.studies.conftest import read_marking

    read_marking(readers[0], marks_study, lambda r: planned_marks(r, readers, exams))

    page = page_of(client_for(researcher), marks_study)

    assert 'data-detection="refused"' in page
