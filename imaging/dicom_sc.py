"""Secondary-capture images for clinical viewers that show neither SEG nor SR (EASE sent its
results this way, ease-and-evaluation.md R-A7.2): a sequence with the segmentation's contours
burned in, one axial image per slice, and a report rendered as an image whose text is also in
ImageComments, so that a program reading the PACS gets the same words a radiologist sees.

Every image takes patient and study from the stand-in of the series it was made from, sits in a
series of its own, and is flagged DERIVED with burned-in annotation.
"""

import highdicom as hd
import nibabel as nib
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from scipy import ndimage

from imaging.dicom_seg import MANUFACTURER

# grey levels: the 1st and 99th percentile of the brain's voxels span the display range
WINDOW_PERCENTILES = (1.0, 99.0)
REPORT_WIDTH = 1024
REPORT_MARGIN = 32
REPORT_FONT_SIZE = 20
REPORT_LINE_HEIGHT = 28


def overlay_images(
    image: np.ndarray,
    label_map: np.ndarray,
    affine_ras: np.ndarray,
    colours: dict[int, tuple[int, int, int]],
    reference: Dataset,
    *,
    description: str,
    series_number: int,
) -> list[Dataset]:
    """``image`` with each label's outline drawn in its colour: axial slices of the brain
    (slices holding any non-zero voxel), inferior first, displayed as radiologists read them
    (patient's right on the left, anterior at the top)."""
    grey, labels, spacing = _axial(image, label_map, affine_ras)
    grey = _windowed(grey)
    series_uid = generate_uid()
    images = []
    for k in np.flatnonzero(grey.any(axis=(0, 1))):
        rgb = np.repeat(grey[:, :, k, None], 3, axis=-1)
        for value, colour in colours.items():
            region = labels[:, :, k] == value
            rgb[region & ~ndimage.binary_erosion(region)] = colour
        dataset = hd.sc.SCImage.from_ref_dataset(
            reference,
            _displayed(rgb),
            photometric_interpretation="RGB",
            bits_allocated=8,
            coordinate_system="PATIENT",
            series_instance_uid=series_uid,
            series_number=series_number,
            sop_instance_uid=generate_uid(),
            instance_number=len(images) + 1,
            manufacturer=MANUFACTURER,
            pixel_spacing=(float(spacing[1]), float(spacing[0])),
            patient_orientation=("L", "P"),
        )
        _describe(dataset, description)
        images.append(dataset)
    return images


def report_image(
    lines: list[str], reference: Dataset, *, description: str, series_number: int
) -> Dataset:
    """The report's lines rendered white on black, one image; the text also in ImageComments."""
    font = ImageFont.load_default(size=REPORT_FONT_SIZE)
    height = 2 * REPORT_MARGIN + REPORT_LINE_HEIGHT * len(lines)
    page = Image.new("L", (REPORT_WIDTH, height), 0)
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        draw.text((REPORT_MARGIN, REPORT_MARGIN + row * REPORT_LINE_HEIGHT), line, 255, font)
    dataset = hd.sc.SCImage.from_ref_dataset(
        reference,
        np.asarray(page, dtype=np.uint8),
        photometric_interpretation="MONOCHROME2",
        bits_allocated=8,
        coordinate_system="PATIENT",
        series_instance_uid=generate_uid(),
        series_number=series_number,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        patient_orientation=("L", "P"),
    )
    _describe(dataset, description)
    dataset.ImageComments = "\n".join(lines)
    return dataset


def _axial(image, label_map, affine_ras):
    """Both volumes turned to the closest RAS orientation, with the voxel size."""
    canonical = nib.as_closest_canonical(nib.Nifti1Image(np.asarray(image, np.float32), affine_ras))
    ornt = nib.io_orientation(affine_ras)
    labels = nib.orientations.apply_orientation(np.asarray(label_map), ornt)
    return np.asanyarray(canonical.dataobj), labels, canonical.header.get_zooms()[:3]


def _windowed(volume: np.ndarray) -> np.ndarray:
    brain = volume[volume != 0]
    if brain.size == 0:
        return np.zeros(volume.shape, np.uint8)
    low, high = np.percentile(brain, WINDOW_PERCENTILES)
    scaled = (np.clip(volume, low, high) - low) / max(high - low, 1e-6) * 255.0
    return np.where(volume != 0, scaled, 0).astype(np.uint8)


def _displayed(slice_ras: np.ndarray) -> np.ndarray:
    """A RAS slice (x right, y anterior) as rows from anterior, columns from the patient's
    right, the radiological convention."""
    return np.ascontiguousarray(np.swapaxes(slice_ras, 0, 1)[::-1, ::-1])


def _describe(dataset: Dataset, description: str) -> None:
    dataset.SeriesDescription = description[:64]
    dataset.BurnedInAnnotation = "YES"
    dataset.ImageType = ["DERIVED", "SECONDARY"]
    dataset.Laterality = ""  # a head is no paired body part; dciodvfy wants it said (Type 2C)
