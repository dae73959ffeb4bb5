"""Byte-stable writers for the synthetic cohort: gzip NIfTI in the BraTS layout and one DICOM MR
Image Storage file per slice, on grids of any orientation (axial, sagittal, coronal, oblique).

Same input, same bytes: the gzip header carries mtime 0 and no name, and every DICOM UID is
derived from its caller's entropy sources. The "dicom" format's slices follow the orientation
recipe of spec/deps-and-data.md section 3 (``radiological_stack``): pixel rows and columns run
from patient right-anterior to left-posterior (ImageOrientationPatient [1,0,0,0,1,0]), so that a
raw stack display matches the radiological view of the NIfTI volume, while the voxels keep their
place in physical space.
"""

import dataclasses
import gzip
import pathlib
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import nibabel as nib
import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element, write_file_meta_info
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

from imaging.sequences import BRATS_SUFFIXES, Sequence

GENERATOR = "neuroreview-synthetic/1"
BRATS_SUFFIX = {
    sequence: next(s for s, q in BRATS_SUFFIXES.items() if q is sequence) for sequence in Sequence
}
SERIES_DESCRIPTION = {
    Sequence.FLAIR: "AX FLAIR",
    Sequence.T1: "AX T1",
    Sequence.T1CE: "AX T1 POST GD",
    Sequence.T2: "AX T2",
}
# Acquisition order of a usual brain protocol: contrast is given last.
SERIES_NUMBER = {Sequence.T1: 1, Sequence.T2: 2, Sequence.FLAIR: 3, Sequence.T1CE: 4}
# Plausible 3 T timing parameters (ms): RepetitionTime, EchoTime, InversionTime.
_TIMING = {
    Sequence.T1: (500.0, 10.0, None),
    Sequence.T1CE: (500.0, 10.0, None),
    Sequence.T2: (4000.0, 100.0, None),
    Sequence.FLAIR: (9000.0, 120.0, 2500.0),
}
_RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])


def nifti_bytes(array: np.ndarray, affine: np.ndarray) -> bytes:
    """A .nii.gz file's bytes, with the affine as both qform and sform (scanner space)."""
    image = nib.Nifti1Image(array, affine)
    image.header.set_qform(affine, code=1)
    image.header.set_sform(affine, code=1)
    image.header.set_xyzt_units("mm")
    image.header["descrip"] = GENERATOR.encode()
    return gzip.compress(image.to_bytes(), compresslevel=6, mtime=0)


def write_brats_exam(
    folder: pathlib.Path,
    name: str,
    images: dict[Sequence, np.ndarray],
    segmentation: np.ndarray,
    affine: np.ndarray,
) -> None:
    """One exam folder: <folder>/<name>/<name>_{flair,t1,t1ce,t2,seg}.nii.gz"""
    exam_folder = folder / name
    exam_folder.mkdir(parents=True, exist_ok=True)
    for sequence, volume in images.items():
        (exam_folder / f"{name}_{BRATS_SUFFIX[sequence]}.nii.gz").write_bytes(
            nifti_bytes(volume, affine)
        )
    (exam_folder / f"{name}_seg.nii.gz").write_bytes(nifti_bytes(segmentation, affine))


class Stack(NamedTuple):
    """Slices on one grid: pixel (column i, row j) of slice k is ``volume[i, j, k]``, at RAS
    ``affine @ (i, j, k, 1)``; the grid may lie in any orientation."""

    volume: np.ndarray
    affine: np.ndarray


@dataclasses.dataclass(frozen=True)
class SeriesHeader:
    """What a series' header says beyond its pixels and their geometry."""

    description: str
    number: int
    timing: tuple[float, float, float | None]  # RepetitionTime, EchoTime, InversionTime (ms)
    acquisition_type: str = "2D"  # MRAcquisitionType: 2D (slice by slice) or 3D (a slab)
    slice_thickness_mm: float | None = None  # None: the spacing between slices
    image_type: tuple[str, ...] = ("ORIGINAL", "PRIMARY", "M", "ND")
    attributes: Mapping[str, object] = dataclasses.field(default_factory=dict)  # more keywords


def cohort_header(sequence: Sequence) -> SeriesHeader:
    """The header of a sequence in the cohort's "dicom" format."""
    return SeriesHeader(SERIES_DESCRIPTION[sequence], SERIES_NUMBER[sequence], _TIMING[sequence])


def radiological_stack(volume: np.ndarray, affine: np.ndarray) -> Stack:
    """The cohort's volume as axial slices whose rows and columns run from patient
    right-anterior to left-posterior (ImageOrientationPatient [1,0,0,0,1,0]), so that a raw
    stack display matches the radiological view of the NIfTI volume."""
    columns, rows, _ = volume.shape
    flip = np.diag([-1.0, -1.0, 1.0, 1.0])
    flip[:2, 3] = columns - 1, rows - 1
    return Stack(volume[::-1, ::-1], affine @ flip)


def write_dicom_series(
    folder: pathlib.Path,
    stacks: Iterable[Stack],
    header: SeriesHeader,
    study: dict[str, object],
    uid_sources: list[str],
) -> None:
    """One file per slice, stack after stack, IM00001.dcm upwards; each stack's slices in
    order of k (a volume has one stack; a localizer one per plane).

    ``study`` holds the patient, study and frame-of-reference attributes shared by the exam's
    series (DICOM keywords); ``uid_sources`` makes the series and instance UIDs unique and stable.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stacks = list(stacks)
    slices = [(stack, k) for stack in stacks for k in range(stack.volume.shape[2])]

    def slice_elements(n: int) -> Dataset:
        stack, k = slices[n]
        elements = _plane(stack, k)
        elements.SOPInstanceUID = generate_uid(entropy_srcs=[*uid_sources, "slice", str(n)])
        elements.InstanceNumber = n + 1
        return elements

    ds = _series_elements(stacks, header, study, uid_sources)
    ds.update(slice_elements(0))
    encode = _slice_encoder(ds, varying=slice_elements(0).keys())
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = MRImageStorage
    for n in range(len(slices)):
        elements = slice_elements(n)
        meta.MediaStorageSOPInstanceUID = elements.SOPInstanceUID
        (folder / f"IM{n + 1:05d}.dcm").write_bytes(_file_meta(meta) + encode(elements))


def _series_elements(
    stacks: list[Stack], header: SeriesHeader, study: dict[str, object], uid_sources: list[str]
) -> Dataset:
    """The elements every slice of the series shares."""
    ds = Dataset()
    for keyword, value in study.items():
        setattr(ds, keyword, value)
    ds.SOPClassUID = MRImageStorage
    ds.Modality = "MR"
    ds.ImageType = list(header.image_type)
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[*uid_sources, "series"])
    ds.SeriesDescription = ds.ProtocolName = header.description
    ds.SeriesNumber = header.number
    ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = study["StudyDate"]
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = _later(
        str(study["StudyTime"]), minutes=6 * header.number
    )
    repetition, echo, inversion = header.timing
    ds.ScanningSequence = "IR" if inversion else "SE"
    ds.SequenceVariant = "SK"
    ds.MRAcquisitionType = header.acquisition_type
    ds.ScanOptions = ""  # Type 2: none used
    ds.EchoTrainLength = 1
    ds.RepetitionTime, ds.EchoTime = _ds(repetition), _ds(echo)
    if inversion:
        ds.InversionTime = _ds(inversion)
    ds.MagneticFieldStrength = "3"
    spacing = np.linalg.norm(stacks[0].affine[:3, 2])
    ds.SliceThickness = _ds(header.slice_thickness_mm or spacing)
    ds.SpacingBetweenSlices = _ds(spacing)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    values = np.concatenate([stack.volume.ravel() for stack in stacks])
    low, high = np.percentile(values[values > 0], [0.5, 99.5]) if values.any() else (0, 1)
    ds.WindowCenter, ds.WindowWidth = _ds((low + high) / 2), _ds(max(high - low, 1))
    for keyword, value in header.attributes.items():
        setattr(ds, keyword, value)
    return ds


def _plane(stack: Stack, k: int) -> Dataset:
    """Slice k's geometry (PS3.3 C.7.6.2.1.1) and pixels. SliceLocation is its position along
    the slice normal, as scanners write it."""
    lps = _RAS_TO_LPS @ stack.affine
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    position = lps @ [0, 0, k, 1]
    # Rounded: a rotation's float noise (1e-19) is no part of the orientation a scanner writes.
    rows_run, columns_run = np.round(lps[:3, :2] / spacing[:2], 9).T
    columns, rows, _ = stack.volume.shape
    elements = Dataset()
    elements.ImagePositionPatient = _ds(*position[:3])
    elements.ImageOrientationPatient = _ds(*rows_run, *columns_run)
    elements.SliceLocation = _ds(position[:3] @ np.cross(rows_run, columns_run))
    elements.Rows, elements.Columns = rows, columns
    elements.PixelSpacing = _ds(spacing[1], spacing[0])  # between rows, between columns
    elements.PixelData = np.ascontiguousarray(stack.volume[:, :, k].T).astype("<i2").tobytes()
    elements["PixelData"].VR = "OW"
    return elements


def _slice_encoder(template: Dataset, varying) -> Callable[[Dataset], bytes]:
    """Encodes the elements shared by a series once; per slice only the ``varying`` ones.

    pydicom's dcmwrite spends milliseconds per file re-encoding some seventy constant elements;
    joining pre-encoded runs gives the same bytes (Explicit VR Little Endian, tags ascending).
    """
    varying = set(varying)
    runs: list[bytes] = [b""]
    slots: list[BaseTag] = []
    for element in template:
        if element.tag in varying:
            slots.append(element.tag)
            runs.append(b"")
        else:
            runs[-1] += _encoded(element)

    def encode(elements: Dataset) -> bytes:
        parts = [runs[0]]
        for tag, run in zip(slots, runs[1:], strict=True):
            parts += [_encoded(elements[tag]), run]
        return b"".join(parts)

    return encode


def _encoded(element: DataElement) -> bytes:
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_data_element(buffer, element)
    return buffer.getvalue()


def _file_meta(meta: FileMetaDataset) -> bytes:
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    buffer.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)
    return buffer.getvalue()


def _ds(*values: float) -> str | list[str]:
    """Decimal strings without -0 and within the 16 characters DS allows."""
    strings = [f"{float(v) + 0.0:.6g}" for v in values]
    return strings[0] if len(strings) == 1 else strings


def _later(hhmmss: str, minutes: int) -> str:
    total = int(hhmmss[:2]) * 60 + int(hhmmss[2:4]) + minutes
    return f"{total // 60 % 24:02d}{total % 60:02d}{hhmmss[4:6]}"
