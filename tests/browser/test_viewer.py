"""The exam viewer in real Chromium, against the page hooks of the viewer contract: what the
panels show (pixel statistics of what is painted), synchronized scrolling, the overlay, lesion
jumps, the NODE flow player, live alarms, common screen sizes, and access."""

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from django.db import connection

from reviewer.cases.models import Exam, Series
from segmentation.models import Segmentation
from tests.browser import pixels
from tests.browser.conftest import log_in
from tests.reviewer.alarms.builders import clear_alarm, raise_unreliable

PANELS = ".viewer-panel"
FLOW_TIMEOUT_MS = 180_000  # the server computes the frames on the CPU, beside the other tests


def viewer_url(case) -> str:
    return f"/cases/{case.pseudonym}/viewer/"


def open_viewer(page, case) -> None:
    page.goto(viewer_url(case))
    wait_for_viewer(page)


def wait_for_viewer(page) -> None:
    """Wait until every panel shows its first image, and check the viewer recorded no error."""
    page.wait_for_function(
        "() => window.__neuroreview && window.__neuroreview.allPanelsAt !== undefined"
        " && [...document.querySelectorAll('.viewer-panel')].every("
        "   p => p.dataset.rendered === 'true' && p.dataset.slice !== '')",
        timeout=60_000,
    )
    errors = page.evaluate("window.__neuroreview.errors")
    assert errors == [], errors


def wait_for_slices(page, condition: str) -> None:
    """Wait until every panel's data-slice satisfies ``condition`` (JS, on ``s``)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.viewer-panel')]"
        f".every(p => {{ const s = Number(p.dataset.slice); return {condition}; }})"
    )


def panel_slices(page) -> list[int]:
    return [int(s) for s in page.eval_on_selector_all(PANELS, "ps => ps.map(p => p.dataset.slice)")]


def manifest(page, case) -> dict:
    response = page.request.get(f"/api/cases/{case.pseudonym}/viewer/")
    assert response.ok, response.status
    return response.json()


def current_panel(page):
    return page.locator(f"{PANELS}[data-role=current]")


def set_overlay(panel, visible: bool) -> None:
    toggle = panel.locator("input[name=overlay]")
    if toggle.is_checked() != visible:
        toggle.click()
    assert toggle.is_checked() == visible


def lesion_slice(manifest_exam: dict, lesion: dict) -> int:
    """Axial voxel index k of a lesion's centroid in the exam's FLAIR grid (LPS geometry)."""
    series = manifest_exam["series"][0]
    direction = np.asarray(series["direction"], dtype=float).reshape(3, 3)  # rows: unit i, j, k
    offset = np.asarray(lesion["centroid_mm"]) - np.asarray(series["origin"])
    return int(round(direction[2] @ offset / series["spacing"][2]))


def lesion_far_from(page, case, slice_now: int) -> tuple[dict, int]:
    """The listed lesion whose slice is furthest from the shown one, and that slice."""
    data = manifest(page, case)
    current = data["exams"][0]
    listed = {
        int(i)
        for i in page.eval_on_selector_all(
            "#lesion-panel tr[data-lesion-id]", "rows => rows.map(r => r.dataset.lesionId)"
        )
    }
    lesions = [
        lesion
        for segmentation in current["segmentations"]
        for lesion in segmentation["lesions"]
        if lesion["id"] in listed
    ]
    assert lesions, "the lesion panel lists no lesion of the current exam"
    best = max(lesions, key=lambda lesion: abs(lesion_slice(current, lesion) - slice_now))
    return best, lesion_slice(current, best)


def go_to_largest_lesion(page, case) -> int:
    """Click the lesion row of the largest lesion of the shown segmentation; its slice k."""
    data = manifest(page, case)
    current = data["exams"][0]
    picked = int(page.locator("select[name=segmentation]").input_value())
    [segmentation] = [s for s in current["segmentations"] if s["id"] == picked]
    largest = max(segmentation["lesions"], key=lambda lesion: lesion["volume_ml"])
    k = lesion_slice(current, largest)
    page.click(f"#lesion-panel tr[data-lesion-id='{largest['id']}']")
    wait_for_slices(page, f"s === {k}")
    return k


def test_opening_a_case_shows_every_exam_in_its_own_panel_with_its_flair_image(
    reader_page, viewer_case
):
    page = reader_page
    open_viewer(page, viewer_case)
    panels = page.locator(PANELS)
    assert panels.count() == 3
    assert panels.evaluate_all("ps => ps.map(p => [p.dataset.role, p.dataset.sequence])") == [
        ["current", "FLAIR"],
        ["prior", "FLAIR"],
        ["prior", "FLAIR"],
    ]
    shown = [int(e) for e in panels.evaluate_all("ps => ps.map(p => p.dataset.exam)")]
    assert shown == viewer_case.exam_ids[::-1]
    timing = page.evaluate("window.__neuroreview")
    assert timing["manifestAt"] <= timing["firstImageAt"] <= timing["allPanelsAt"]

    go_to_largest_lesion(page, viewer_case)
    for index in range(3):
        panel = panels.nth(index)
        set_overlay(panel, False)
        image = pixels.gray(pixels.rgb(panel.locator(".viewer-viewport")))
        head = image > 20
        # A head on a black background: not blank, not a flat fill, grayscale tissue contrast.
        assert 0.08 < head.mean() < 0.9, f"panel {index}: head covers {head.mean():.0%}"
        assert 30 < image[head].mean() < 230, f"panel {index}: head mean {image[head].mean():.0f}"
        assert image[head].std() > 12, f"panel {index}: head std {image[head].std():.1f}"

    # On the current FLAIR the lesion (where the overlay paints) is brighter than the brain.
    current = current_panel(page)
    plain = pixels.rgb(current.locator(".viewer-stage"))
    set_overlay(current, True)
    page.wait_for_timeout(200)  # the overlay is redrawn with the next animation frame
    labelled = pixels.rgb(current.locator(".viewer-stage"))
    lesion = pixels.changed(plain, labelled)
    assert lesion.sum() > 30, "the overlay paints nothing at the lesion's slice"
    flair = pixels.gray(plain)
    brain = (flair > 20) & ~lesion
    assert flair[lesion].mean() > 1.15 * flair[brain].mean(), (
        f"lesion {flair[lesion].mean():.0f} vs brain {flair[brain].mean():.0f}"
    )


def test_scrolling_one_panel_moves_the_others(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    before = panel_slices(page)
    assert len(set(before)) == 1, f"aligned exams start on different slices: {before}"
    prior = page.locator(f"{PANELS}[data-role=prior]").first
    box = prior.locator(".viewer-viewport").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(4):
        page.mouse.wheel(0, 120)
        page.wait_for_timeout(50)
    wait_for_slices(page, f"s !== {before[0]}")
    after = panel_slices(page)
    assert len(set(after)) == 1, f"the panels went apart: {after}"
    assert after[0] != before[0]

    page.keyboard.press("ArrowUp")
    wait_for_slices(page, f"s !== {after[0]}")
    stepped = panel_slices(page)
    assert len(set(stepped)) == 1 and abs(stepped[0] - after[0]) == 1, (after, stepped)


def test_the_overlay_toggle_changes_the_painted_pixels(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    go_to_largest_lesion(page, viewer_case)
    current = current_panel(page)
    stage = current.locator(".viewer-stage")
    with_overlay = pixels.rgb(stage)
    set_overlay(current, False)
    page.wait_for_timeout(200)
    without = pixels.rgb(stage)
    difference = pixels.changed(with_overlay, without)
    assert difference.sum() > 30
    # Where they differ, the overlay's pixels are coloured and the plain image's are gray.
    assert pixels.coloured(with_overlay, 20)[difference].mean() > 0.9
    assert not pixels.coloured(without, 20)[difference].any()

    # The key `o`: with some overlay still shown (the priors'), every overlay goes off; then on.
    page.click(".page-header h1")  # away from the checkbox: keys typed into inputs stay there
    toggles = page.locator(f"{PANELS} input[name=overlay]")
    page.keyboard.press("o")
    assert toggles.evaluate_all("ts => ts.map(t => t.checked)") == [False] * 3
    page.keyboard.press("o")
    assert toggles.evaluate_all("ts => ts.map(t => t.checked)") == [True] * 3
    page.wait_for_timeout(200)
    again = pixels.rgb(stage)
    assert pixels.changed(with_overlay, again).mean() < 0.01


def test_a_panel_shows_another_sequence_alone(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    current, prior = current_panel(page), page.locator(f"{PANELS}[data-role=prior]").first
    for panel in (current, prior):
        set_overlay(panel, False)
    flair = pixels.rgb(current.locator(".viewer-viewport"))
    prior_before = pixels.rgb(prior.locator(".viewer-viewport"))
    current.locator("select[name=sequence]").select_option("T1")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]').dataset.sequence === 'T1'"
    )
    page.wait_for_timeout(300)
    t1 = pixels.rgb(current.locator(".viewer-viewport"))
    assert pixels.changed(flair, t1).mean() > 0.05
    assert prior.get_attribute("data-sequence") == "FLAIR"
    assert pixels.changed(prior_before, pixels.rgb(prior.locator(".viewer-viewport"))).mean() < 0.01
    assert len(set(panel_slices(page))) == 1


def test_a_window_preset_changes_the_contrast_of_every_panel(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    panels = [page.locator(PANELS).nth(i) for i in range(3)]
    for panel in panels:
        set_overlay(panel, False)
    before = [pixels.gray(pixels.rgb(p.locator(".viewer-viewport"))) for p in panels]
    panels[0].locator("select[name=window]").select_option("wide")
    page.wait_for_timeout(400)
    after = [pixels.gray(pixels.rgb(p.locator(".viewer-viewport"))) for p in panels]
    for index, (b, a) in enumerate(zip(before, after, strict=True)):
        head = b > 20
        # A window twice as wide flattens the contrast inside the head: window/level is synced.
        assert a[head].std() < 0.8 * b[head].std(), (
            f"panel {index}: {b[head].std():.1f} → {a[head].std():.1f}"
        )


def test_clicking_a_lesion_row_moves_every_panel_to_the_lesion(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    [start] = set(panel_slices(page))
    lesion, k = lesion_far_from(page, viewer_case, start)
    assert k != start, "every lesion lies on the first slice shown: the jump cannot be seen"
    page.click(f"#lesion-panel tr[data-lesion-id='{lesion['id']}']")
    wait_for_slices(page, f"s === {k}")
    row = page.locator(f"#lesion-panel tr[data-lesion-id='{lesion['id']}']")
    assert row.get_attribute("aria-selected") == "true"


def test_the_reference_shows_on_every_exam_with_its_volume_at_each_prior(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    page.locator("select[name=segmentation]").select_option(str(viewer_case.reference_segmentation))
    data = manifest(page, viewer_case)
    [reference] = [
        s
        for s in data["exams"][0]["segmentations"]
        if s["id"] == viewer_case.reference_segmentation
    ]
    ids = sorted(str(lesion["id"]) for lesion in reference["lesions"])
    page.wait_for_function(
        "(ids) => JSON.stringify([...document.querySelectorAll('#lesion-panel tr[data-lesion-id]')]"
        ".map(r => r.dataset.lesionId).sort()) === JSON.stringify(ids)",
        arg=ids,
    )
    largest = max(reference["lesions"], key=lambda lesion: lesion["volume_ml"])
    assert largest["change"] is not None  # the glioma is in the prior too
    row = page.locator(f"#lesion-panel tr[data-lesion-id='{largest['id']}']")
    cells = row.locator("td").all_inner_texts()
    assert float(cells[2]) == pytest.approx(largest["volume_ml"], abs=0.01)
    assert float(cells[3]) == pytest.approx(largest["change"]["prior_volume_ml"], abs=0.01)
    at_oldest = largest["prior_volumes"][1]
    assert at_oldest["exam"] == data["exams"][2]["id"]
    assert float(cells[4]) == pytest.approx(at_oldest["volume_ml"], abs=0.01)

    go_to_largest_lesion(page, viewer_case)
    for index in range(3):
        panel = page.locator(PANELS).nth(index)
        stage = panel.locator(".viewer-stage")
        labelled = pixels.rgb(stage)
        set_overlay(panel, False)
        plain = pixels.rgb(stage)
        painted = pixels.changed(labelled, plain)
        assert painted.sum() > 30, f"panel {index}: the reference is not drawn"
        assert pixels.coloured(labelled, 20)[painted].mean() > 0.9


def test_the_flow_stage_slider_changes_the_frame(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    k = go_to_largest_lesion(page, viewer_case)
    page.click(f"button[data-flow-segmentation='{viewer_case.node_segmentation}']")
    player = page.locator("#flow-player")
    player.locator("#flow-stage").wait_for(state="attached")
    page.wait_for_function(
        "() => document.querySelector('#flow-player')?.dataset.state === 'ready'"
        " && window.__neuroreview.flowReadyAt !== undefined",
        timeout=FLOW_TIMEOUT_MS,
    )
    assert f"axial slice {k}" in player.inner_text()
    slider = player.locator("#flow-stage")
    last = int(slider.get_attribute("max"))
    assert last == 25  # 26 stages, the server's default grid
    canvases = [
        player.locator(f"canvas[data-flow-sequence={s}]") for s in ("FLAIR", "T1", "T1CE", "T2")
    ]

    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "() => document.querySelector('#flow-player').dataset.stageIndex === '0'"
    )
    first = [pixels.rgb(c) for c in canvases]
    page.keyboard.press("End")
    page.wait_for_function(
        f"() => document.querySelector('#flow-player').dataset.stageIndex === '{last}'"
    )
    final = [pixels.rgb(c) for c in canvases]
    changed = [pixels.changed(a, b).mean() for a, b in zip(first, final, strict=True)]
    assert max(changed) > 0.05, f"fraction of pixels changed per sequence: {changed}"
    # At t = 1 the final segmentation γ is outlined in magenta on every panel.
    for image in final:
        magenta = (image[..., 0] > 200) & (image[..., 1] < 80) & (image[..., 2] > 200)
        assert magenta.sum() > 5
    assert not any(
        ((i[..., 0] > 200) & (i[..., 1] < 80) & (i[..., 2] > 200)).sum() > 5 for i in first
    )


def as_a_worker(function, *args, **kwargs):
    """Runs the function in a thread of its own, as a worker would: Playwright's sync API keeps
    an event loop in the test's thread, where the push to the sockets (async_to_sync) cannot."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()  # the thread's own connection

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result()


def test_an_alarm_raised_by_a_background_job_appears_live(reader_page, viewer_case):
    page = reader_page
    open_viewer(page, viewer_case)
    assert page.locator("#viewer-alarms li[data-alarm-id]").count() == 0
    alarm = as_a_worker(
        raise_unreliable,
        Exam.objects.get(pk=viewer_case.current_exam),
        "WT by NODE: Dice 0.41 below the threshold 0.62",
        evidence={"target": "WT", "metric": "Dice", "value": 0.41, "threshold": 0.62},
        segmentation_id=viewer_case.node_segmentation,
    )
    # The header's line for the exam appears; it opens the list with the alarm.
    line = page.locator(f".viewer-alarm-line[data-exam='{viewer_case.current_exam}']")
    line.wait_for(timeout=15_000)
    line.click()
    item = page.locator(f"#viewer-alarms li[data-alarm-id='{alarm.pk}']")
    item.wait_for()
    assert "Unreliable output" in item.inner_text()
    assert "Dice 0.41 below the threshold 0.62" in item.inner_text()

    as_a_worker(clear_alarm, alarm)
    item.wait_for(state="detached", timeout=15_000)
    assert page.evaluate("window.__neuroreview.errors") == []


def test_the_worklist_sorts_by_risk_score(reader_page, viewer_case):
    page = reader_page
    page.goto("/worklist/")
    headers = page.locator("table[data-worklist] thead th").all_inner_texts()
    column = next(i for i, text in enumerate(headers) if re.search("risk", text, re.I))

    def order() -> list[tuple[str, int]]:
        rows = page.locator("table[data-worklist] tbody tr")
        return [
            (
                row.locator("td").nth(0).inner_text(),
                int(row.locator("td").nth(column).locator(".badge").inner_text()),
            )
            for row in rows.all()
        ]

    orders = []
    for _ in range(2):
        page.locator("table[data-worklist] thead th").nth(column).locator("a").click()
        page.wait_for_load_state()
        orders.append(order())
    by_alarms = sorted(viewer_case.risk_patients, key=viewer_case.risk_patients.get)
    for shown in orders:
        scores = dict(shown)
        assert set(scores) == {viewer_case.pseudonym, *viewer_case.risk_patients}
        assert scores[viewer_case.pseudonym] == 0
        assert [scores[p] for p in by_alarms] == sorted(scores[p] for p in by_alarms)
    scores = [[score for _, score in shown] for shown in orders]
    assert sorted(scores[0]) in (scores[0], scores[0][::-1])
    assert scores[1] == scores[0][::-1] and scores[0] != scores[1]


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_viewer_fits_common_screens(new_page, viewer_case, size):
    width, height = size
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, viewer_case.reader, viewer_case.password)
    open_viewer(page, viewer_case)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    for box in page.locator(f"{PANELS} .viewer-viewport").evaluate_all(
        "vs => vs.map(v => v.getBoundingClientRect().toJSON())"
    ):
        assert box["left"] >= 0 and box["right"] <= width, box
        assert box["width"] >= 200 and box["height"] >= 150, box
        assert box["top"] < height, f"a panel starts below the first screen: {box}"
    assert page.locator("#lesion-panel").is_visible()


def test_a_user_without_access_gets_neither_the_page_nor_the_pixels(
    new_page, viewer_case, console_errors
):
    console_errors.expect(r"status of 40[34]")  # the refused navigation itself
    flair = Series.objects.get(pk=viewer_case.flair_series)
    voxels = f"/api/series/{flair.pk}/voxels/{flair.sha256}"
    reference = Segmentation.objects.get(pk=viewer_case.reference_segmentation)
    segmentation = f"/api/segmentations/{reference.pk}/voxels/{reference.sha256}"

    for username, allowed in ((viewer_case.outsider, (404,)), (viewer_case.researcher, (403,))):
        page = new_page()
        log_in_as(page, username, viewer_case.password)
        response = page.goto(viewer_url(viewer_case))
        assert response.status in allowed, (username, response.status)
        assert page.locator(".viewer-panel").count() == 0
        for url in (f"/api/cases/{viewer_case.pseudonym}/viewer/", voxels, segmentation):
            refused = page.request.get(url)
            assert refused.status in (403, 404), (username, url, refused.status)
            assert refused.headers.get("content-type", "") != "application/octet-stream"

    reader = new_page()
    log_in(reader, viewer_case.reader, viewer_case.password)
    granted = reader.request.get(voxels)
    assert granted.status == 200
    assert granted.headers["content-type"] == "application/octet-stream"


def log_in_as(page, username: str, password: str) -> None:
    """Log in through the form, wherever the user's home page is."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url
