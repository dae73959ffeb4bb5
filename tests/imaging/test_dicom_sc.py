"""Secondary captures for viewers without SEG and SR: contours burned into a sequence's axial
slices as radiologists read them, and a report image whose text is in ImageComments too; both
valid (dciodvfy) and in the study of the series they were made from."""

import numpy as np
import pytest

from imaging.dicom_sc import overlay_images, report_image
from imaging.dicom_seg import referenced_images
from tests.imaging.test_dicom_seg import acquired  # noqa: F401 (fixture)
from tests.pacs.dciodvfy import dciodvfy_errors

GREEN = (0, 200, 0)


@pytest.fixture
def reference(acquired):  # noqa: F811
    _, header, uids = acquired
    return referenced_images(header, uids)[0]


@pytest.fixture
def head():
    """A brain on a 1 mm RAS grid, brighter in the patient's right half, with a 6 mm cube of
    label 2 in its right anterior part, on slices 4–9 of 14; slices 0 and 13 hold no brain."""
    image = np.zeros((20, 20, 14), np.float32)
    image[2:18, 2:18, 1:13] = 100.0
    image[10:18, 2:18, 1:13] = 200.0  # x grows towards the patient's right
    labels = np.zeros(image.shape, np.uint8)
    labels[11:17, 11:17, 4:10] = 2  # right (high x), anterior (high y)
    return image, labels, np.eye(4)


def overlays(head, reference):
    image, labels, affine = head
    return overlay_images(
        image, labels, affine, {2: GREEN}, reference, description="contours", series_number=903
    )


def test_one_image_per_slice_that_holds_brain(head, reference):
    images = overlays(head, reference)

    assert [d.InstanceNumber for d in images] == list(range(1, 13))
    assert len({d.SeriesInstanceUID for d in images}) == 1


def test_the_contour_is_drawn_in_its_colour_on_the_slices_it_crosses(head, reference):
    images = overlays(head, reference)

    drawn = [bool((d.pixel_array == GREEN).all(axis=-1).any()) for d in images]
    assert drawn == [False] * 3 + [True] * 6 + [False] * 3


def test_the_contour_outlines_the_region_and_leaves_its_inside_as_it_was(head, reference):
    slice_ = overlays(head, reference)[5].pixel_array

    green = (slice_ == GREEN).all(axis=-1)
    assert green.sum() == 20  # the 6 × 6 square's border
    assert (slice_[green.nonzero()[0].min() + 2, green.nonzero()[1].min() + 2] != GREEN).any()


def test_the_patients_right_is_on_the_left_and_anterior_at_the_top(head, reference):
    image = overlays(head, reference)[5]
    pixels = image.pixel_array[..., 0].astype(int)
    rows, columns = (image.pixel_array == GREEN).all(axis=-1).nonzero()

    assert image.PatientOrientation == ["L", "P"]
    assert pixels[10, 4] > pixels[10, 15]  # the brighter right half on the viewer's left
    assert columns.max() < 10 and rows.max() < 10  # the right anterior cube: top left


def test_an_overlay_passes_dciodvfy_in_the_study_of_its_series(head, reference, tmp_path):
    image = overlays(head, reference)[0]
    image.save_as(tmp_path / "overlay.dcm", enforce_file_format=True)

    assert dciodvfy_errors(tmp_path / "overlay.dcm") == []
    assert image.StudyInstanceUID == reference.StudyInstanceUID
    assert image.ImageType == ["DERIVED", "SECONDARY"]


def test_the_report_image_carries_its_lines_in_the_pixels_and_in_image_comments(
    reference, tmp_path
):
    lines = ["NeuroReview report", "", "Volumes: withheld"]

    image = report_image(lines, reference, description="AI report", series_number=905)
    image.save_as(tmp_path / "report.dcm", enforce_file_format=True)

    assert image.ImageComments == "NeuroReview report\n\nVolumes: withheld"
    assert image.pixel_array.max() == 255  # text drawn white on black
    assert dciodvfy_errors(tmp_path / "report.dcm") == []
