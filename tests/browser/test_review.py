"""Review in the viewer, in real Chromium: a reader grades a segmentation and gives every lesion a
verdict from the keyboard alone, and what is stored (grades, verdicts, reading times) is read back
from the database; the alarm header keeps the three image panels in view at 1366×768 with ten
alarms; a stale grading form is refused without losing what was typed."""

import hashlib
import re

import numpy as np
import pytest

from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam
from reviewer.core.models import User
from reviewer.core.storage import read_nifti
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.viewer.preparation import prepare_exam
from segmentation import inference
from segmentation.models import ModelVersion, Segmentation
from tests.browser import pixels
from tests.browser.conftest import artifacts_dir, log_in
from tests.browser.test_viewer import (
    PANELS,
    current_panel,
    lesion_slice,
    manifest,
    open_viewer,
    viewer_url,
)

LESION_ROWS = "#lesion-panel tr[data-lesion-id]"
# Spheres added to the tumour, in voxels of the 2 mm grid: (i, j, k) offsets from the middle of
# the grid, i towards the other hemisphere, and radius. Each is a false positive to reject, on
# its own slice.
SPECKS = [((15, 12, -8), 3), ((20, -10, 6), 2), ((10, 22, 12), 2)]


@pytest.fixture
def noisy_result(viewer_case, settings) -> Segmentation:
    """An AI result on the current exam with several lesions: the case's tumour (its NODE map)
    and three spheres elsewhere in the brain, stored and prepared as inference stores one."""
    exam = Exam.objects.get(pk=viewer_case.current_exam)
    node = Segmentation.objects.get(pk=viewer_case.node_segmentation)
    image = read_nifti(node.file.name)
    mask = np.asarray(image.dataobj) > 0
    middle = np.array(mask.shape) // 2
    away = -np.sign(np.argwhere(mask)[:, 0].mean() - middle[0])  # from the tumour's side
    grid = np.indices(mask.shape)
    for (i, j, k), radius in SPECKS:
        centre = (middle + (away * i, j, k)).reshape(3, 1, 1, 1)
        mask |= ((grid - centre) ** 2).sum(axis=0) <= radius**2
    version = ModelVersion.objects.create(
        name="browser-noisy-unet",
        version="1.0",
        kind="unet",
        target="WT",
        sha256=hashlib.sha256(b"browser-noisy-unet").hexdigest(),
    )
    result = inference.store_model_segmentation(
        exam, version, mask, image.affine, source_file="browser test: tumour and three specks"
    )
    prepare_exam(exam)
    return result


def open_review(page, case, segmentation: int | None = None) -> dict:
    """Open the viewer (on `segmentation`, else on its default) and wait for the lesion list
    and the grading form; the reviewed segmentation, from the manifest."""
    if segmentation is None:
        open_viewer(page, case)
    else:
        open_viewer_at(page, f"{viewer_url(case)}?segmentation={segmentation}")
    page.locator(".viewer-grading-form").wait_for()
    picked = int(page.locator("select[name=segmentation]").input_value())
    current = manifest(page, case)["exams"][0]
    [segmentation] = [s for s in current["segmentations"] if s["id"] == picked]
    assert segmentation["lesions"], "the reviewed segmentation has no lesion to judge"
    page.wait_for_function(
        "n => document.querySelectorAll('#lesion-panel tr[data-lesion-id]').length === n",
        arg=len(segmentation["lesions"]),
    )
    return segmentation


def open_viewer_at(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(
        "() => window.__neuroreview && window.__neuroreview.allPanelsAt !== undefined",
        timeout=60_000,
    )


def selected_lesion(page) -> int | None:
    row = page.locator(f"{LESION_ROWS}[aria-selected=true]")
    return int(row.get_attribute("data-lesion-id")) if row.count() else None


def wait_for_decision(page, lesion: int, decision: str) -> None:
    row = f"#lesion-panel tr[data-lesion-id='{lesion}'][data-decision='{decision}']"
    page.locator(row).wait_for()


def wait_for_no_decision(page, lesion: int) -> None:
    page.locator(f"#lesion-panel tr[data-lesion-id='{lesion}']:not([data-decision])").wait_for()


def green(image: np.ndarray) -> np.ndarray:
    """Pixels where the overlay paints a rejected lesion (green, half opaque over gray)."""
    r, g, b = (image[..., c].astype(int) for c in range(3))
    return (g > r + 40) & (g > b + 40)


def test_a_reader_grades_and_reviews_every_lesion_with_the_keyboard_only(
    reader_page, viewer_case, noisy_result
):
    page = reader_page
    segmentation = open_review(page, viewer_case, noisy_result.pk)
    assert len(segmentation["lesions"]) == 1 + len(SPECKS)
    current = manifest(page, viewer_case)["exams"][0]
    lesions = {lesion["id"]: lesion for lesion in segmentation["lesions"]}
    rows = page.locator(LESION_ROWS)
    order = [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.lesionId)")]
    assert sorted(order) == sorted(lesions)

    # Accept the tumour, reject the specks; each verdict moves on to the next lesion.
    tumour = max(lesions.values(), key=lambda lesion: lesion["volume_ml"])["id"]
    decisions = {lesion: "accepted" if lesion == tumour else "rejected" for lesion in order}
    page.keyboard.press("n")
    for position, lesion in enumerate(order):
        assert selected_lesion(page) == lesion
        k = lesion_slice(current, lesions[lesion])
        page.wait_for_function(
            f"() => document.querySelector('{PANELS}[data-role=current]').dataset.slice === '{k}'"
        )
        page.wait_for_timeout(300)  # reading the lesion
        page.keyboard.press("r" if decisions[lesion] == "rejected" else "a")
        wait_for_decision(page, lesion, decisions[lesion])
        if position == 1:
            # The rejected lesion turns green on the current panel (the MS CAD convention).
            page.keyboard.press("p")
            assert selected_lesion(page) == lesion
            page.wait_for_timeout(300)
            stage = pixels.rgb(current_panel(page).locator(".viewer-stage"))
            assert green(stage).sum() > 10, "the rejected lesion is not drawn green"
            page.keyboard.press("n")
    page.wait_for_function(
        "() => /All \\d+ lesions have a verdict/.test("
        "document.querySelector('.viewer-review-status').textContent)"
    )

    # Undo takes the reader back to the last lesion judged and withdraws its first verdict; a
    # new verdict, undone, leaves it undecided again; then the reader judges it once more.
    last = order[-1]
    page.keyboard.press("u")
    wait_for_no_decision(page, last)
    assert selected_lesion(page) == last
    page.keyboard.press("a")
    wait_for_decision(page, last, "accepted")
    page.keyboard.press("u")
    wait_for_no_decision(page, last)
    page.keyboard.press("r")
    wait_for_decision(page, last, "rejected")

    # Grade: g puts the keyboard in the form; Space, arrows, Tab and Enter do the rest.
    page.keyboard.press("g")
    page.keyboard.press("Space")  # Acceptable
    page.keyboard.press("Tab")  # to the grade, 5 Perfect first
    page.keyboard.press("ArrowRight")  # 4 Good
    page.keyboard.press("Tab")
    page.keyboard.type("oedema slightly under-segmented")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator(".viewer-history li", has_text="(standing)").wait_for(state="attached")

    [assessment] = Assessment.objects.filter(segmentation_id=segmentation["id"])
    assert (assessment.acceptable, assessment.scale, assessment.grade) == (True, "ease", 4)
    assert assessment.comment == "oedema slightly under-segmented"
    assert assessment.reader.username == viewer_case.reader
    # Reading time of the case: at least the reading of every lesion, not the whole test.
    assert 300 * len(order) <= assessment.reading_time_ms < 600_000

    verdicts = list(LesionVerdict.objects.filter(segmentation_id=segmentation["id"]))
    standing = {v.lesion_id: v for v in verdicts if not v.superseded_by.exists()}
    assert {lesion: v.decision for lesion, v in standing.items()} == decisions
    firsts = [v for v in verdicts if v.supersedes_id is None]
    assert sorted(v.lesion_id for v in firsts) == sorted(order)
    assert all(v.reading_time_ms >= 300 for v in firsts), [v.reading_time_ms for v in firsts]
    chain = sorted((v for v in verdicts if v.lesion_id == last), key=lambda v: v.pk)
    assert [v.decision for v in chain] == [
        "rejected",
        "withdrawn",
        "accepted",
        "withdrawn",
        "rejected",
    ]
    assert [v.supersedes_id for v in chain] == [None] + [v.pk for v in chain[:-1]]
    assert all(v.reader.username == viewer_case.reader for v in verdicts)


def test_a_stale_grading_form_is_refused_and_loses_nothing_typed(
    new_page, viewer_case, console_errors
):
    console_errors.expect(r"status of 409")  # the refused submission itself
    first, second = new_page(), new_page()
    for page in (first, second):
        log_in(page, viewer_case.reader, viewer_case.password)
    segmentation = open_review(first, viewer_case)
    # Both forms are based on the same history: one earlier assessment.
    earlier = Assessment.objects.create(
        segmentation_id=segmentation["id"],
        reader=User.objects.get(username=viewer_case.reader),
        acceptable=True,
        scale="ease",
        grade=3,
    )
    for page in (first, second):
        open_review(page, viewer_case)
        page.locator(".viewer-history li").first.wait_for(state="attached")

    def fill(page, acceptable: str, grade: str, comment: str) -> None:
        page.click(f".viewer-choice[data-choice=acceptable] label:has(input[value={acceptable}])")
        page.click(f".viewer-choice[data-choice=level] label:has(input[value='{grade}'])")
        page.fill(".viewer-grading-form textarea", comment)

    fill(second, "false", "2", "the necrosis is missed")
    fill(first, "true", "4", "fine")
    first.click(".viewer-grading-form button[type=submit]")
    standing = first.locator(".viewer-history li", has_text="(standing)")
    standing.filter(has_text="4 Good").wait_for(state="attached")

    second.click(".viewer-grading-form button[type=submit]")
    second.locator(".viewer-grading-message", has_text="meanwhile").wait_for()
    history = second.locator(".viewer-history li")
    second.wait_for_function("() => document.querySelectorAll('.viewer-history li').length === 2")
    assert "Acceptable · 4 Good" in history.first.inner_text()
    assert second.locator(".viewer-history").get_attribute("open") is not None
    assert second.locator(".viewer-grading-form textarea").input_value() == "the necrosis is missed"
    assert second.locator("input[name=level]:checked").get_attribute("value") == "2"
    assert second.locator("input[name=acceptable]:checked").get_attribute("value") == "false"

    second.click(".viewer-grading-form button[type=submit]")  # again, over the first reader's
    second.locator(".viewer-history li", has_text="Unacceptable · 2 Poor").wait_for(
        state="attached"
    )
    stored = list(Assessment.objects.filter(segmentation_id=segmentation["id"]).order_by("pk"))
    assert [(a.acceptable, a.grade) for a in stored] == [(True, 3), (True, 4), (False, 2)]
    assert [a.supersedes_id for a in stored] == [None, earlier.pk, stored[1].pk]


def test_a_missed_lesion_is_added_where_the_reader_clicks_with_its_rough_extent(
    reader_page, viewer_case
):
    page = reader_page
    segmentation = open_review(page, viewer_case)
    current = manifest(page, viewer_case)["exams"][0]
    stage = current_panel(page).locator(".viewer-stage")
    box = stage.bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4
    page.keyboard.press("m")
    page.locator(".viewer-pick").wait_for()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y, steps=3)  # outward: the rough extent
    page.mouse.up()
    page.locator("#lesion-panel tr[data-added-verdict]").wait_for()
    assert page.locator(".viewer-pick").count() == 0

    [added] = LesionVerdict.objects.filter(segmentation_id=segmentation["id"], decision="added")
    assert added.lesion_id is None and added.reader.username == viewer_case.reader
    # The centre lies on the slice shown (RAS z is LPS z); the radius is the drag, in mm.
    series = current["series"][0]
    k = int(current_panel(page).get_attribute("data-slice"))
    slice_z = series["origin"][2] + k * series["spacing"][2] * series["direction"][8]
    assert abs(added.centre_mm[2] - slice_z) <= series["spacing"][2]
    assert 1 < added.radius_mm < 40
    # It is ringed on the current panel.
    image = pixels.rgb(stage)
    cyan = (image[..., 0] < 120) & (image[..., 1] > 150) & (image[..., 2] > 150)
    assert cyan.sum() > 10, "the added lesion is not ringed"


KINDS = [Alarm.Kind.GROWTH, Alarm.Kind.NEW_LESION, Alarm.Kind.UNRELIABLE]


def raise_ten_alarms(case) -> list[Alarm]:
    return [
        Alarm.objects.create(
            exam_id=exam,
            kind=KINDS[n % len(KINDS)],
            reason=f"browser-test alarm {n + 1} of 10, with a reason long enough to wrap",
            evidence={"metric": "Dice", "value": 0.4, "threshold": 0.6, "alpha": 0.1},
        )
        for n, exam in enumerate([case.current_exam] * 6 + case.exam_ids[:2] * 2)
    ]


def panel_boxes(page) -> list[dict]:
    return page.locator(f"{PANELS} .viewer-viewport").evaluate_all(
        "vs => vs.map(v => v.closest('.viewer-panel').getBoundingClientRect().toJSON())"
    )


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_with_ten_alarms_the_three_image_panels_stay_in_view(new_page, viewer_case, size):
    width, height = size
    raise_ten_alarms(viewer_case)
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, viewer_case.reader, viewer_case.password)
    open_review(page, viewer_case)
    lines = page.locator(".viewer-alarm-line")
    lines.first.wait_for()
    assert lines.count() == 3  # one line per exam with alarms
    assert re.match(r"risk \d+", lines.first.inner_text())

    def assert_panels_in_view() -> list[dict]:
        boxes = panel_boxes(page)
        assert len(boxes) == 3
        for box in boxes:
            assert box["left"] >= 0 and box["top"] >= 0, box
            assert box["right"] <= width and box["bottom"] <= height, box
            assert box["width"] >= 250 and box["height"] >= 300, box
        return boxes

    closed = assert_panels_in_view()
    page.screenshot(path=artifacts_dir() / f"review-{width}x{height}-alarms-closed.png")

    lines.first.click()
    items = page.locator("#viewer-alarms li[data-alarm-id]")
    items.first.wait_for()
    assert items.count() == 10
    assert assert_panels_in_view() == closed  # the list opens over the page, nothing moves
    items.first.locator("summary").click()
    page.screenshot(path=artifacts_dir() / f"review-{width}x{height}-alarms-open.png")

    # A false alarm, marked from the list, is kept with the alarm.
    alarm_id = int(items.first.get_attribute("data-alarm-id"))
    items.first.locator("button[data-true-alarm=false]").click()
    page.locator(f"#viewer-alarms li[data-alarm-id='{alarm_id}'][data-verdict=false]").wait_for()
    verdict = Alarm.objects.get(pk=alarm_id).verdicts.get()
    assert verdict.true_alarm is False
    assert verdict.reader.username == viewer_case.reader
    page.keyboard.press("Escape")
    assert page.locator(".viewer-alarm-popover").is_hidden()
