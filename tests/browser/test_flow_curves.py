"""The flow player's curves in real Chromium on the prepared NODE case: beside eq. 6's ACC, the
share of γ and the share of the background each sequence marks, for the slice and the exam,
read from the plotted data of the chart."""

from tests.browser.conftest import log_in
from tests.browser.test_viewer import FLOW_TIMEOUT_MS, go_to_largest_lesion, open_viewer

SEQUENCES = ("FLAIR", "T1", "T1CE", "T2")
SHARES = ("gamma_share", "background_share")


def open_flow_player(page, case):
    open_viewer(page, case)
    go_to_largest_lesion(page, case)
    page.click(f"button[data-flow-segmentation='{case.node_segmentation}']")
    page.wait_for_function(
        "() => document.querySelector('#flow-player')?.dataset.state === 'ready'"
        " && document.querySelector('#flow-acc')?.dataset.measure === 'acc'",
        timeout=FLOW_TIMEOUT_MS,
    )
    return page.locator("#flow-player")


def plotted(page, measure: str) -> dict[str, list]:
    """Choose ``measure`` and return the chart's curves by trace name, once it is drawn."""
    page.select_option("#flow-measure", measure)
    page.wait_for_function(
        f"() => document.querySelector('#flow-acc').dataset.measure === '{measure}'"
    )
    return page.evaluate(
        "() => Object.fromEntries(document.querySelector('#flow-acc').data"
        ".map(trace => [trace.name, Array.from(trace.y)]))"
    )


def differ(curves: list[list]) -> bool:
    """Whether two of the curves differ at some stage where both are defined."""
    return any(
        a is not None and b is not None and abs(a - b) > 1e-6
        for i, first in enumerate(curves)
        for second in curves[i + 1 :]
        for a, b in zip(first, second, strict=True)
    )


def test_both_shares_differ_between_sequences_for_the_slice_and_the_exam(reader_page, viewer_case):
    page = reader_page
    open_flow_player(page, viewer_case)
    shown = {}
    for measure in SHARES:
        curves = plotted(page, measure)
        slice_curves = [curves[s] for s in SEQUENCES]
        exam_curves = [curves[f"{s} exam"] for s in SEQUENCES]
        assert differ(slice_curves), f"{measure} of the slice: {slice_curves}"
        assert differ(exam_curves), f"{measure} of the exam: {exam_curves}"
        values = [v for curve in slice_curves + exam_curves for v in curve if v is not None]
        assert values and all(0 <= v <= 1 for v in values)
        shown[measure] = slice_curves
    assert shown["gamma_share"] != shown["background_share"]


def test_each_curve_has_its_caption_and_only_the_acc_is_the_papers_at_1366x768(
    new_page, viewer_case
):
    page = new_page(viewport={"width": 1366, "height": 768})
    log_in(page, viewer_case.reader, viewer_case.password)
    player = open_flow_player(page, viewer_case)
    caption = player.locator("[data-flow-measure-caption]")
    assert "the paper plotted" in caption.inner_text()
    assert {f"{s} exam" for s in SEQUENCES} <= set(plotted(page, "acc"))
    captions = {"gamma_share": "of the final segmentation γ", "background_share": "outside γ"}
    for measure, says in captions.items():
        plotted(page, measure)
        text = caption.inner_text()
        assert says in text and "not plotted in the paper" in text.lower()
    player.locator("#flow-measure").scroll_into_view_if_needed()
    assert player.locator("#flow-measure").is_visible()
    chart = player.locator("#flow-acc").bounding_box()
    assert chart["width"] > 300 and chart["x"] + chart["width"] <= 1366
