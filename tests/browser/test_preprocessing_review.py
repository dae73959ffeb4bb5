"""Preprocessing review in the viewer, in real Chromium: a clinical current exam (its FLAIR kept
as acquired: head with skull, 4 mm slices) with a succeeded run that made a brain mask and
flagged the thick FLAIR. A reader shows the original instead of the prepared series (the
segmentation overlay goes, the panel says "as acquired"), outlines the brain mask, and sees the
flag; a QA admin rejects the run; a radiologist has no reject or re-run controls. deepbet does not
run here: the run is recorded as a worker would record it."""

import numpy as np
import pytest
from django.utils import timezone
from scipy import ndimage

from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.cases.models import Exam
from reviewer.cases.services import add_acquired_series, stored_fields
from reviewer.core.models import User
from reviewer.core.storage import atomic_import, read_nifti
from reviewer.preprocessing.models import BrainMask, PreprocessingRun
from reviewer.preprocessing.services import default_parameters
from tests.browser import pixels
from tests.browser.conftest import artifacts_dir, log_in
from tests.browser.test_viewer import current_panel, go_to_largest_lesion, open_viewer

QA_PASSWORD = "browser-qa-preprocessing-4c1d"
SECTION = ".viewer-preprocessing"
THICK_FLAIR = "FLAIR has 4.0 mm slices; MS lesion detection does not run on it"
# The outline's colour (brainMask.ts MASK_COLOUR): no image, label map or marker paints it.
MAGENTA = (255, 0, 255)


@pytest.fixture
def clinical_run(viewer_case) -> PreprocessingRun:
    """The current exam as a clinical one: its FLAIR as acquired (the prepared FLAIR with a
    bright skull around the brain, every other slice, 4 mm thick) and a succeeded run whose
    brain mask is the prepared FLAIR's brain; the latest run of the exam."""
    exam = Exam.objects.get(pk=viewer_case.current_exam)
    image = read_nifti(exam.series.get(sequence="FLAIR").file.name)
    brain = np.asanyarray(image.dataobj)
    mask = brain > 0
    skull = ndimage.binary_dilation(mask, iterations=3) & ~mask
    head = np.where(skull, brain.max(), brain).astype(brain.dtype)
    thick = image.affine.copy()
    thick[:, 2] *= 2  # voxel k of the thick grid is voxel 2k of the prepared one
    with atomic_import() as files:
        add_acquired_series(
            exam,
            Sequence.FLAIR,
            volume_from_array(head[:, :, ::2], thick),
            files,
            description="AX FLAIR 4mm",
            slice_thickness_mm=4.0,
        )
        run = PreprocessingRun.objects.create(
            exam=exam,
            status=PreprocessingRun.Status.SUCCEEDED,
            progress=100,
            message="Done: brain extraction; 1 flag(s)",
            parameters=default_parameters().as_json(),
            steps=[
                {"step": "coregistration", "skipped": "one sequence: nothing to align"},
                {"step": "brain_extraction", "tool": "deepbet", "seconds": 7.5},
                {"step": "bias_correction", "skipped": "not asked for"},
            ],
            flags=[{"code": "thick_slices", "sequence": "FLAIR", "reason": THICK_FLAIR}],
            finished_at=timezone.now(),
        )
        BrainMask.objects.create(
            run=run,
            **stored_fields(
                volume_from_array(mask.astype(np.uint8), image.affine), files, "brain-masks"
            ),
        )
    return run


@pytest.fixture
def qa_page(new_page, viewer_case):
    """A 1600×900 page logged in as a QA admin (who sees every patient)."""
    User.objects.create_user(username="browser-qa-pre", password=QA_PASSWORD, role="qa_admin")
    page = new_page()
    log_in(page, "browser-qa-pre", QA_PASSWORD)
    return page


def open_section(page) -> None:
    page.click(f"{SECTION} details.viewer-preprocessing-details > summary")


def inside(image: np.ndarray) -> np.ndarray:
    """The stage without its outer pixels, where the panel's (coloured) border may bleed in."""
    return image[3:-3, 3:-3]


def magenta(image: np.ndarray) -> np.ndarray:
    return (np.abs(image - np.asarray(MAGENTA)) < 40).all(axis=2)


def test_a_series_as_acquired_replaces_the_prepared_one_and_hides_the_overlay(
    reader_page, viewer_case, clinical_run
):
    page = reader_page
    open_viewer(page, viewer_case)
    go_to_largest_lesion(page, viewer_case)
    panel = current_panel(page)
    stage = panel.locator(".viewer-stage")
    page.wait_for_timeout(200)  # the overlay is redrawn with the next animation frame
    prepared = inside(pixels.rgb(stage))
    assert pixels.coloured(prepared, 20).sum() > 30, "no segmentation painted at the lesion"

    page.select_option(f"{SECTION} select[name=series-source]", "acquired")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.source === 'acquired'"
    )
    page.wait_for_timeout(300)
    acquired = inside(pixels.rgb(stage))
    assert panel.locator(".viewer-acquired-badge").is_visible()
    assert (
        "FLAIR as acquired (AX FLAIR 4mm, 4 mm slices)"
        in panel.locator(".viewer-panel-status").inner_text()
    )
    assert panel.locator("canvas.viewer-overlay:not(.viewer-mask)").is_hidden()
    assert panel.locator("input[name=overlay]").is_disabled()
    assert not pixels.coloured(acquired, 20).any(), "a segmentation is painted on an original"
    # The skull the prepared series no longer has: a ring brighter than anything it showed.
    assert (pixels.gray(acquired) > pixels.gray(prepared).max() - 5).sum() > 100
    # The priors keep no originals: they still show their prepared series and overlays.
    assert page.locator(".viewer-panel[data-role=prior][data-source=acquired]").count() == 0

    page.select_option(f"{SECTION} select[name=series-source]", "prepared")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.source === 'prepared'"
    )
    assert panel.locator(".viewer-acquired-badge").is_hidden()
    assert panel.locator("input[name=overlay]").is_enabled()


def test_the_brain_mask_toggle_outlines_the_mask(reader_page, viewer_case, clinical_run):
    page = reader_page
    open_viewer(page, viewer_case)
    stage = current_panel(page).locator(".viewer-stage")
    assert not magenta(pixels.rgb(stage)).any()

    page.check(f"{SECTION} input[name=brain-mask]")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.brainMask === 'drawn'"
    )
    outlined = magenta(pixels.rgb(stage))
    assert outlined.sum() > 100, "the brain mask's outline is not drawn"
    # An outline, not a fill: a thin rim compared with the brain it encloses.
    filled = ndimage.binary_fill_holes(ndimage.binary_dilation(outlined, iterations=2))
    assert outlined.sum() < 0.5 * filled.sum()

    page.uncheck(f"{SECTION} input[name=brain-mask]")
    page.wait_for_timeout(200)
    assert not magenta(pixels.rgb(stage)).any()


def test_a_radiologist_sees_the_flag_and_the_run_but_no_reject_or_rerun(
    reader_page, viewer_case, clinical_run
):
    page = reader_page
    open_viewer(page, viewer_case)
    section = page.locator(SECTION)
    assert section.locator(".viewer-preprocessing-flags").inner_text() == (
        f"⚠ Thick slices: {THICK_FLAIR}"
    )
    open_section(page)
    assert "Brain extraction deepbet · 7.5 s" in section.inner_text()
    assert section.locator("form, button").count() == 0


def test_a_qa_admin_rejects_the_run_and_the_page_shows_the_rejection(
    qa_page, viewer_case, clinical_run
):
    page = qa_page
    open_viewer(page, viewer_case)
    open_section(page)
    section = page.locator(SECTION)
    section.locator("input[name=reason]").fill("the mask cuts into the cerebellum")
    section.get_by_role("button", name="Reject run").click()
    rejection = section.locator(".viewer-preprocessing-rejection")
    rejection.wait_for()
    assert rejection.inner_text().endswith(": the mask cuts into the cerebellum")
    assert "browser-qa-pre" in rejection.inner_text()
    assert (
        section.locator(".viewer-preprocessing-message")
        .inner_text()
        .startswith(f"Run {clinical_run.pk} rejected")
    )
    assert section.locator(".viewer-preprocessing-reject").count() == 0
    clinical_run.refresh_from_db()
    assert clinical_run.rejected_by.username == "browser-qa-pre"
    assert clinical_run.rejection_reason == "the mask cuts into the cerebellum"


def test_a_refused_rerun_shows_why(qa_page, viewer_case, clinical_run, console_errors):
    """Models have segmented the exam (the NODE map of the case): its series stay."""
    console_errors.expect(r"status of 409 \(Conflict\).*/api/preprocessing-runs/")
    page = qa_page
    open_viewer(page, viewer_case)
    open_section(page)
    section = page.locator(SECTION)
    section.locator(".viewer-preprocessing-rerun > summary").click()
    section.get_by_role("button", name="Run again").click()
    message = section.locator(".viewer-preprocessing-message")
    message.wait_for()
    assert message.inner_text().startswith("Refused: models have segmented exam")
    assert PreprocessingRun.objects.filter(exam=clinical_run.exam).latest("pk") == clinical_run


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_open_section_leaves_the_images_in_view(new_page, viewer_case, clinical_run, size):
    width, height = size
    page = new_page(viewport={"width": width, "height": height})
    User.objects.create_user(username="browser-qa-pre", password=QA_PASSWORD, role="qa_admin")
    log_in(page, "browser-qa-pre", QA_PASSWORD)
    open_viewer(page, viewer_case)
    open_section(page)
    page.locator(".viewer-preprocessing-rerun > summary").click()
    page.check(f"{SECTION} input[name=brain-mask]")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.brainMask === 'drawn'"
    )
    artifacts_dir().mkdir(parents=True, exist_ok=True)
    page.screenshot(path=artifacts_dir() / f"preprocessing-open-{width}x{height}.png")
    for box in page.locator(".viewer-stage").evaluate_all(
        "stages => stages.map(s => s.getBoundingClientRect().toJSON())"
    ):
        assert box["height"] > 250 and box["width"] > 200, box
        assert box["bottom"] <= height and box["right"] <= width, box
    grading = page.locator(".viewer-grading").bounding_box()
    assert grading["y"] + grading["height"] <= height
    # The open section scrolls inside itself: the lesion list still shows its row.
    row = page.locator("#lesion-panel tr[data-lesion-id]").first.bounding_box()
    lesions = page.locator(".viewer-lesions").bounding_box()
    assert row["y"] + row["height"] <= lesions["y"] + lesions["height"]


def test_an_original_shown_stays_in_step_with_the_other_panels(
    reader_page, viewer_case, clinical_run
):
    """The original's slices are 4 mm, the priors' 2 mm: slice k of one is slice 2k of the
    others wherever the panels are moved (one LPS world)."""
    page = reader_page
    open_viewer(page, viewer_case)
    page.select_option(f"{SECTION} select[name=series-source]", "acquired")
    current = current_panel(page)
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.source === 'acquired'"
    )

    def prior_slice_in_step() -> int:
        shown = int(current.get_attribute("data-slice"))
        prior = int(
            page.locator(".viewer-panel[data-role=prior]").first.get_attribute("data-slice")
        )
        assert abs(2 * shown - prior) <= 1, (shown, prior)
        return prior

    before = prior_slice_in_step()
    prior_viewport = page.locator(".viewer-panel[data-role=prior] .viewer-viewport").first
    box = prior_viewport.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):
        page.mouse.wheel(0, 120)
        page.wait_for_timeout(50)
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=prior]')"
        f".dataset.slice !== '{before}'"
    )
    page.wait_for_timeout(200)
    after = prior_slice_in_step()
    assert abs(after - before) >= 4

    # A sequence the exam keeps no original of shows prepared, and says so.
    current.locator("select[name=sequence]").select_option("T2")
    page.wait_for_function(
        "() => document.querySelector('.viewer-panel[data-role=current]')"
        ".dataset.source === 'prepared'"
    )
    assert current.locator(".viewer-acquired-badge").is_hidden()
    assert current.locator("input[name=overlay]").is_enabled()
