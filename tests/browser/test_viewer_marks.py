"""Lesion marks and "case fully displayed" in real Chromium: a reader places lesion marks in the
viewer of a reader study's reading page, and the viewer tells the page once when every panel
shows its image."""

import json

import numpy as np
import pytest

from reviewer.cases.models import Exam
from reviewer.core.models import User
from reviewer.studies import design, surveys
from tests.browser.test_viewer import (
    PANELS,
    open_viewer,
    panel_slices,
    wait_for_slices,
    wait_for_viewer,
)

MAX_MARKS = 2
NEW_LESIONS = {
    "questions": [
        {
            "id": "new_lesions",
            "type": "lesion_marks",
            "text": "New lesions",
            "labels": ["new", "enlarging"],
            "max_marks": MAX_MARKS,
        }
    ]
}
ANSWER = "#reading-marks"
COUNT_DISPLAYED = """
    window.__displayedEvents = 0;
    document.addEventListener("viewer:displayed", () => window.__displayedEvents += 1);
"""
PAINTED = """cs => cs.map(c => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
    return n;
})"""


@pytest.fixture
def marks_page(reader_page, viewer_case):
    """The reader's first reading of a started study on the case's current exam, whose
    question asks for new lesions as marks."""
    researcher = User.objects.get(username=viewer_case.researcher)
    survey = surveys.create_survey(name="New lesions", user=researcher)
    version = surveys.add_version(
        survey=survey, definition=NEW_LESIONS, user=researcher, publish=True
    )
    draft = design.create_study(
        name="Marks in the viewer",
        user=researcher,
        design=design.Design(
            cases=(Exam.objects.get(pk=viewer_case.current_exam),),
            readers=(User.objects.get(username=viewer_case.reader),),
            survey_version=version,
        ),
    )
    study = design.start(draft).study_id
    reader_page.goto(f"/studies/{study}/read/")
    reader_page.click("button:text('begin')")
    wait_for_viewer(reader_page)
    return reader_page


def answer(page) -> list[dict]:
    return json.loads(page.input_value(ANSWER))


def painted(page) -> list[int]:
    """Painted pixels of each panel's marks layer."""
    return page.locator(f"{PANELS} .viewer-marks-layer").evaluate_all(PAINTED)


def click_current(page, dx: float = 0, dy: float = 0) -> None:
    box = page.locator(f"{PANELS}[data-role=current] .viewer-viewport").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def ras_to_index(series: dict, ras: list[float]) -> np.ndarray:
    lps = np.array([-ras[0], -ras[1], ras[2]])
    direction = np.asarray(series["direction"], dtype=float).reshape(3, 3)  # rows: unit i, j, k
    return direction @ (lps - np.asarray(series["origin"])) / np.asarray(series["spacing"])


def test_the_viewer_tells_the_page_once_when_every_panel_shows_its_image(reader_page, viewer_case):
    page = reader_page
    page.add_init_script(COUNT_DISPLAYED)
    open_viewer(page, viewer_case)
    assert page.get_attribute("#viewer", "data-displayed") == "true"
    page.keyboard.press("ArrowDown")  # later renders do not announce it again
    page.wait_for_timeout(300)
    assert page.evaluate("window.__displayedEvents") == 1


def test_a_reader_marks_lesions_on_the_current_exam_and_the_answer_follows(marks_page, viewer_case):
    page = marks_page
    assert answer(page) == []  # no marks: the answer "none"
    assert page.locator(".viewer-marks-empty").is_visible()
    [slice_k] = set(panel_slices(page))

    click_current(page)
    assert answer(page) == [], "a click outside marking windows the image, it does not mark"
    page.keyboard.press("Shift+M")
    assert page.get_attribute(".viewer-marks-toggle", "aria-pressed") == "true"
    click_current(page)
    [mark] = answer(page)
    current = page.request.get(f"/api/cases/{viewer_case.pseudonym}/viewer/").json()["exams"][0]
    index = ras_to_index(current["series"][0], mark["position_mm"])
    assert abs(index[2] - slice_k) <= 0.5, f"marked at k={index[2]:.2f}, shown slice {slice_k}"
    assert all(0 <= i < n for i, n in zip(index, current["series"][0]["dimensions"], strict=True))
    page.wait_for_timeout(200)
    assert all(n > 20 for n in painted(page)), f"not drawn on every panel: {painted(page)}"

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    wait_for_slices(page, f"Math.abs(s - {slice_k}) >= 2")
    page.wait_for_timeout(200)
    assert painted(page) == [0] * len(painted(page)), "the mark shows two slices away"
    page.click(".viewer-marks-list li[data-mark='1'] button:text('Go to')")
    wait_for_slices(page, f"s === {slice_k}")
    page.wait_for_timeout(200)
    assert all(n > 20 for n in painted(page))

    page.select_option(".viewer-marks-list li[data-mark='1'] select", "new")
    assert answer(page)[0]["label"] == "new"

    click_current(page, dx=30)
    click_current(page, dx=-30)
    assert len(answer(page)) == MAX_MARKS
    assert f"most marks allowed ({MAX_MARKS})" in page.text_content(".viewer-marks-status")

    second = answer(page)[1]
    page.click(".viewer-marks-list li[data-mark='1'] button:text('Remove')")
    assert answer(page) == [second]
    page.keyboard.press("Escape")
    assert page.get_attribute(".viewer-marks-toggle", "aria-pressed") == "false"
    click_current(page, dy=30)
    assert answer(page) == [second]
