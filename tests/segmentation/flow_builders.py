"""A tiny segmented exam for the flow player's tests: one BraTS exam folder (12×10×8 voxels, with a
reference label map) and model segmentations of it by an untrained NODE and an untrained U-Net.
Their masks are the reference's whole tumour: a flow depends on the model and the series, not
on the stored mask, and running inference here would cost seconds per test."""

import numpy as np

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.sequences import CHANNEL_ORDER
from reviewer.core.storage import atomic_import, read_nifti
from reviewer.imports.services import import_brats
from segmentation import segmentations
from segmentation.engine.data import normalize_exam
from segmentation.models import Segmentation
from tests.reviewer.imports import brats_builders as build
from tests.segmentation.model_builders import node_version, unet_version


def segmented_exam(tmp_path):
    """The imported patient and its exam's NODE and U-Net segmentations (target WT)."""
    build.write_exam_folder(tmp_path / "in", "BraTS-GLI-00001-000", layout="2023", enhancing=3)
    [patient] = import_brats(tmp_path / "in")
    exam = patient.exams.get()
    reference = read_nifti(exam.segmentations.get(source="reference").file.name)
    mask = (np.asanyarray(reference.dataobj) > 0).astype(np.uint8)
    made = []
    for version in (node_version(tmp_path / "models"), unet_version(tmp_path / "models")):
        with atomic_import() as files:
            made.append(
                segmentations.add_segmentation(
                    exam,
                    volume_from_array(mask, reference.affine),
                    LabelScheme.LESION,
                    files,
                    source_file=f"{version} on {exam}",
                    source=Segmentation.Source.MODEL,
                    model_version=version,
                    target=version.target,
                )
            )
    return patient, *made


def normalized_exam(exam) -> np.ndarray:
    """The exam as inference sees it: (4, X, Y, Z), robust min–max per sequence."""
    images = {s.sequence: np.asanyarray(read_nifti(s.file.name).dataobj) for s in exam.series.all()}
    return normalize_exam({sequence: images[sequence] for sequence in CHANNEL_ORDER})[0]
