"""A two-reader crossover reader study in real Chromium, from its design to its statistics.

The researcher designs and starts it through the pages: two exams of the case's patient as study
cases, its first exam as the practice case, two radiologists. Each reader reads the practice in
both arms and phase 1, waits out the washout (the server's study clock, which the test moves),
reads phase 2, placing lesion marks in the viewer and answering the category question; an
unaided reading shows no AI output and no reference. An adjudicator colocalises and labels the
lesions through the adjudication page. The statistics page then shows the values the test
computes apart, from its own plan and the recorded readings, with numpy, scipy and statsmodels.
"""

import datetime
import re

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import inter_rater

from reviewer.core.models import User
from reviewer.studies import surveys
from reviewer.studies.models import (
    Arm,
    Reading,
    ReadingSession,
    StudyLesion,
    StudyReader,
    StudyVersion,
    SurveyResponse,
)
from tests.browser.test_viewer import log_in_as, wait_for_viewer

SURVEY = {
    "questions": [
        {
            "id": "category",
            "type": "single_choice",
            "text": "New disease activity",
            "choices": [
                {"value": "none", "label": "No activity"},
                {"value": "one", "label": "1 lesion"},
                {"value": "more", "label": "> 1 lesion"},
            ],
        },
        {"id": "new_lesions", "type": "lesion_marks", "text": "New lesions"},
    ]
}
SEED = 20261205
FALSE_MARK_OFFSET_PX = 60  # well over the 5 mm colocalisation tolerance on any zoom we show
AI_SOURCES = ("model", "composite")


def category_plan(reader: int, case: int, arm: str) -> str:
    """Reader 0 and 1 disagree on case 0 unaided and on case 1 aided."""
    plan = {
        Arm.UNAIDED: [["one", "more"], ["none", "more"]],
        Arm.AI_AIDED: [["one", "more"], ["one", "one"]],
    }
    return plan[arm][reader][case]


def marks_true_lesion(reader: int, arm: str) -> bool:
    """Reader 0 marks the lesion in every reading; reader 1 only with the AI, and unaided marks
    a false one instead."""
    return reader == 0 or arm == Arm.AI_AIDED


@pytest.fixture
def study_users(viewer_case):
    judge = User(username="browser-judge", role="radiologist")
    judge.set_password(viewer_case.password)
    judge.save()
    researcher = User.objects.get(username=viewer_case.researcher)
    version = surveys.add_version(
        survey=surveys.create_survey(name="MUSIC questions", user=researcher),
        definition=SURVEY,
        user=researcher,
        publish=True,
    )
    readers = [
        User.objects.get(username=name) for name in (viewer_case.reader, viewer_case.outsider)
    ]
    return {"researcher": researcher, "readers": readers, "judge": judge, "survey": version}


def test_a_two_reader_crossover_study_runs_from_design_to_statistics(
    new_page, viewer_case, study_users, study_clock
):
    password = viewer_case.password
    practice, *cases = viewer_case.exam_ids  # oldest first
    readers = study_users["readers"]

    # The researcher designs the study and starts it.
    researcher = new_page()
    log_in_as(researcher, viewer_case.researcher, password)
    researcher.goto("/studies/new/")
    researcher.fill("#id_name", "Crossover in the browser")
    for exam in cases:
        researcher.check(f"input[name=cases][value='{exam}']")
    researcher.check(f"input[name=practice_cases][value='{practice}']")
    for reader in readers:
        researcher.check(f"input[name=readers][value='{reader.pk}']")
    assert researcher.is_checked("#id_crossover")
    researcher.fill("#id_seed", str(SEED))
    researcher.select_option("#id_survey_version", str(study_users["survey"].pk))
    researcher.click("button:text('Create the draft')")
    researcher.click("button:text('Start the study')")
    assert "running since" in researcher.text_content("[data-version='1'] h2")
    version = StudyVersion.objects.get(study__name="Crossover in the browser")
    first_arm = dict(
        StudyReader.objects.filter(version=version).values_list("reader_id", "first_arm")
    )
    assert sorted(first_arm.values()) == sorted([Arm.UNAIDED, Arm.AI_AIDED]), "a crossover"

    # Each reader: the practice in both arms and phase 1, then the washout.
    pages = []
    for index, reader in enumerate(readers):
        page = new_page()
        log_in_as(page, reader.username, password)
        page.goto("/studies/")
        page.click(f"tr[data-study='{version.study_id}'] a:text('Begin')")
        page.click("button:text('begin')")
        assert read_until_stopped(page, index, version, cases) == "washout"
        pages.append(page)
    phase_2_opens = page.get_attribute("[data-washout-until]", "data-washout-until")
    assert Reading.objects.filter(version=version, phase=2, session__isnull=False).count() == 0

    # The washout holds until the study clock passes it; then phase 2.
    for page in pages:
        page.goto(f"/studies/{version.study_id}/read/")
        assert page.locator("[data-washout-until]").count() == 1, "phase 2 before the washout"
    study_clock(version.washout + datetime.timedelta(hours=1))
    for index, page in enumerate(pages):
        page.goto(f"/studies/{version.study_id}/read/")
        page.click("button:text('begin')")  # a new sitting: the instructions again
        assert read_until_stopped(page, index, version, cases) == "done"
    assert phase_2_opens

    # Adjudication: the researcher colocalises and designates the judge, who labels.
    true_marks = recorded_marks(version, readers, true=True)
    for exam, positions in true_marks.items():
        spread = np.ptp(np.array(positions), axis=0).max()
        assert spread < 5, f"the same click gave marks {spread:.1f} mm apart on exam {exam}"
    adjudication = f"/studies/{version.study_id}/versions/1/adjudication/"
    researcher.goto(adjudication)
    researcher.click("button:text('Colocalise')")
    researcher.select_option("select[name=user]", label=study_users["judge"].username)
    researcher.click("button:text('Designate')")
    judge = new_page()
    log_in_as(judge, study_users["judge"].username, password)
    judge.goto(adjudication)
    rows = judge.locator("tr[data-lesion]")
    assert rows.count() == 2 * len(cases)  # per case: the true lesion and reader 1's false one
    for number in range(rows.count()):
        row = judge.locator("tr[data-lesion]").nth(number)
        lesion = int(row.get_attribute("data-lesion"))
        value = "TP" if is_true_lesion(lesion, true_marks) else "FP"
        row.locator(f"button:text-is('{value}')").click()
        judge.wait_for_load_state()
    assert judge.locator("tr[data-lesion][data-consensus='tp']").count() == len(cases)

    # The statistics page shows what the test computes apart.
    researcher.goto(f"/studies/{version.study_id}/versions/1/statistics/")
    page_html = researcher.content()
    check_reading_times(page_html, version)
    check_agreement(page_html)
    check_detection(page_html, readers)


def read_until_stopped(page, reader: int, version, cases) -> str:
    """Read until the washout or the end; each reading: no AI nor reference when unaided, the
    planned marks placed in the viewer and the planned category sent."""
    while True:
        page.wait_for_load_state()
        if page.locator("[data-washout-until]").count():
            return "washout"
        if page.locator("[data-reading-done]").count():
            return "done"
        wait_for_viewer(page)
        page.wait_for_selector("#viewer[data-displayed='true']")
        reading = Reading.objects.select_related("case").get(
            pk=page.input_value("input[name=reading]")
        )
        arm = page.get_attribute("[data-arm]", "data-arm")
        assert arm == reading.arm
        shown = page.request.get(page.get_attribute("#viewer", "data-manifest-url")).json()
        sources = {s["source"] for exam in shown["exams"] for s in exam["segmentations"]}
        assert "reference" not in sources, "a reader sees no reference while reading"
        if arm == Arm.UNAIDED:
            assert not sources & set(AI_SOURCES), f"AI output in an unaided reading: {sources}"
        elif reading.case.exam_id == cases[-1]:
            assert sources & set(AI_SOURCES), "the AI-aided reading of the exam with AI shows it"
        case = cases.index(reading.case.exam_id) if reading.case.exam_id in cases else 0
        page.keyboard.press("Shift+M")
        offset = 0 if marks_true_lesion(reader, arm) else FALSE_MARK_OFFSET_PX
        box = page.locator(".viewer-panel[data-role=current] .viewer-viewport").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2 + offset, box["y"] + box["height"] / 2)
        page.check(f"input[name=q_category][value={category_plan(reader, case, arm)}]")
        page.click("button:text('Send and go to the next case')")


def recorded_marks(version, readers, *, true: bool) -> dict[int, list]:
    """Per study exam, the positions of the true (or false) marks the readers placed."""
    marks: dict[int, list] = {}
    for reading in Reading.objects.filter(version=version, phase__gt=0).select_related("case"):
        reader = [r.pk for r in readers].index(reading.reader_id)
        if marks_true_lesion(reader, reading.arm) != true:
            continue
        answers = SurveyResponse.objects.get(reading=reading, superseded_by__isnull=True).answers
        for mark in answers["new_lesions"]:
            marks.setdefault(reading.case.exam_id, []).append(mark["position_mm"])
    return marks


def is_true_lesion(lesion_id: int, true_marks: dict) -> bool:
    lesion = StudyLesion.objects.select_related("case").get(pk=lesion_id)
    positions = np.array(true_marks.get(lesion.case.exam_id, []))
    return bool(len(positions)) and np.linalg.norm(positions - lesion.centroid, axis=1).min() < 5


def stat(html: str, selector: str, name: str) -> float:
    part = html.split(selector, 1)[1]
    return float(re.search(rf'data-stat="{name}">([-0-9.]+)[ <]', part).group(1))


def check_reading_times(html: str, version) -> None:
    sessions = ReadingSession.objects.filter(reading__version=version, reading__phase__gt=0)
    seconds = {
        (s.reading.reader_id, s.reading.case_id, s.reading.arm): s.reading_seconds for s in sessions
    }
    for arm in (Arm.UNAIDED, Arm.AI_AIDED):
        mean = np.mean([value for (_, _, a), value in seconds.items() if a == arm])
        assert stat(html, f'<tr data-arm="{arm}">', "mean") == pytest.approx(mean, abs=0.05)
    pairs = sorted({(r, c) for r, c, _ in seconds})
    p = stats.ttest_rel(
        [seconds[(*pair, Arm.AI_AIDED)] for pair in pairs],
        [seconds[(*pair, Arm.UNAIDED)] for pair in pairs],
    ).pvalue
    assert stat(html, 'data-comparison="paired"', "t_p") == pytest.approx(p, abs=5e-5)


def check_agreement(html: str) -> None:
    for arm in (Arm.UNAIDED, Arm.AI_AIDED):
        table = [[category_plan(reader, case, arm) for reader in (0, 1)] for case in (0, 1)]
        expected = inter_rater.fleiss_kappa(inter_rater.aggregate_raters(table)[0])
        cell = html.split(f'data-question="category" data-arm="{arm}"', 1)[1]
        shown = float(re.search(r'data-stat="fleiss">([-0-9.]+) ', cell).group(1))
        assert shown == pytest.approx(expected, abs=5e-4)


def check_detection(html: str, readers) -> None:
    cases = 2
    for index, reader in enumerate(readers):
        for arm in (Arm.UNAIDED, Arm.AI_AIDED):
            found = cases if marks_true_lesion(index, arm) else 0
            false = 0 if marks_true_lesion(index, arm) else cases
            row = f'<tr data-reader="{reader.username}" data-arm="{arm}">'
            assert stat(html, row, "sensitivity") == pytest.approx(found / cases, abs=5e-4)
            assert stat(html, row, "fp_per_case") == pytest.approx(false / cases, abs=5e-4)
