"""Byte-stable writers for the synthetic cohort: gzip NIfTI in the BraTS layout and one DICOM MR
Image Storage file per axial slice.

Same input, same bytes: the gzip header carries mtime 0 and no name, and every DICOM UID is
derived from its caller's entropy sources. DICOM slices follow the orientation recipe of
spec/deps-and-data.md section 3: pixel rows and columns run from patient right-anterior to
left-posterior (ImageOrientationPatient [1,0,0,0,1,0]), so that a raw stack display matches
the radiological view of the NIfTI volume, while the voxels keep their place in physical space.
"""

import gzip
import pathlib
from collections.abc import Callable

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


def write_dicom_series(
    folder: pathlib.Path,
    volume: np.ndarray,
    affine: np.ndarray,
    sequence: Sequence,
    study: dict[str, object],
    uid_sources: list[str],
) -> None:
    """One file per axial slice, IM00001.dcm upwards from inferior to superior.

    ``study`` holds the patient, study and frame-of-reference attributes shared by the exam's
    series (DICOM keywords); ``uid_sources`` makes the series and instance UIDs unique and stable.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lps = _RAS_TO_LPS @ affine
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    columns, rows, slices = volume.shape
    ds = Dataset()
    for keyword, value in study.items():
        setattr(ds, keyword, value)
    ds.SOPClassUID = MRImageStorage
    ds.Modality = "MR"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[*uid_sources, "series"])
    ds.SeriesDescription = SERIES_DESCRIPTION[sequence]
    ds.SeriesNumber = SERIES_NUMBER[sequence]
    ds.ProtocolName = SERIES_DESCRIPTION[sequence]
    ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = study["StudyDate"]
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = _later(
        str(study["StudyTime"]), minutes=6 * ds.SeriesNumber
    )
    repetition, echo, inversion = _TIMING[sequence]
    ds.ScanningSequence = "IR" if inversion else "SE"
    ds.SequenceVariant = "SK"
    ds.MRAcquisitionType = "2D"
    ds.RepetitionTime, ds.EchoTime = _ds(repetition), _ds(echo)
    if inversion:
        ds.InversionTime = _ds(inversion)
    ds.MagneticFieldStrength = "3"
    ds.ImageOrientationPatient = _ds(*(-lps[:3, 0] / spacing[0]), *(-lps[:3, 1] / spacing[1]))
    ds.PixelSpacing = _ds(spacing[1], spacing[0])  # between rows, between columns
    ds.SliceThickness = ds.SpacingBetweenSlices = _ds(spacing[2])
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    low, high = np.percentile(volume[volume > 0], [0.5, 99.5]) if volume.any() else (0, 1)
    ds.WindowCenter, ds.WindowWidth = _ds((low + high) / 2), _ds(max(high - low, 1))

    def slice_elements(k: int) -> Dataset:
        position = lps @ [columns - 1, rows - 1, k, 1]
        elements = Dataset()
        elements.SOPInstanceUID = generate_uid(entropy_srcs=[*uid_sources, "slice", str(k)])
        elements.InstanceNumber = k + 1
        elements.ImagePositionPatient = _ds(*position[:3])
        elements.SliceLocation = _ds(position[2])
        elements.PixelData = np.ascontiguousarray(volume[::-1, ::-1, k].T).astype("<i2").tobytes()
        elements["PixelData"].VR = "OW"
        return elements

    ds.update(slice_elements(0))
    encode = _slice_encoder(ds, varying=slice_elements(0).keys())
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = MRImageStorage
    for k in range(slices):
        elements = slice_elements(k)
        meta.MediaStorageSOPInstanceUID = elements.SOPInstanceUID
        (folder / f"IM{k + 1:05d}.dcm").write_bytes(_file_meta(meta) + encode(elements))


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
