"""Small synthetic MR series written with pydicom, with known geometry and pixel values.

Files are named in an order unrelated to slice position, so readers must sort by geometry.
"""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

Orientation = tuple[tuple[float, float, float], tuple[float, float, float]]

AXIAL: Orientation = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
SAGITTAL: Orientation = ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0))


def oblique(about_x_deg: float = 20.0, about_z_deg: float = 15.0) -> Orientation:
    """Axial rows and columns rotated about x, then about z."""
    a, b = np.radians(about_x_deg), np.radians(about_z_deg)
    rotate_x = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    rotate_z = np.array([[np.cos(b), -np.sin(b), 0], [np.sin(b), np.cos(b), 0], [0, 0, 1]])
    rotation = rotate_z @ rotate_x
    return tuple(map(float, rotation[:, 0])), tuple(map(float, rotation[:, 1]))


OBLIQUE: Orientation = oblique()


class WrittenSeries(NamedTuple):
    folder: Path
    files: list[Path]  # in slice order (increasing position along the slice normal)
    values: np.ndarray  # (columns, rows, slices) after rescale, slice order
    positions: np.ndarray  # (slices, 3) ImagePositionPatient, LPS
    orientation: Orientation
    pixel_spacing: tuple[float, float]  # (row spacing, column spacing) as DICOM writes it
    study_uid: str
    series_uid: str


def mr_slice(
    *,
    study_uid: str,
    series_uid: str,
    frame_uid: str,
    rows: int = 10,
    columns: int = 12,
    position: np.ndarray,
    orientation: Orientation = AXIAL,
    pixel_spacing: tuple[float, float] = (0.9, 0.8),
    stored: np.ndarray,
    instance: int = 1,
    slope: float = 1.0,
    intercept: float = 0.0,
    description: str = "AX FLAIR",
    patient_id: str = "PAT-0001",
    study_date: str = "20200115",
) -> Dataset:
    """One MR Image Storage instance with the identifying attributes a hospital export carries."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.FrameOfReferenceUID = frame_uid
    ds.Modality = "MR"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "F"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study_date
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC123456"
    ds.StudyID = "STUDY7"
    ds.ReferringPhysicianName = "House^Gregory"
    ds.InstitutionName = "General Hospital"
    ds.StationName = "MRI3T"
    ds.SeriesDescription = description
    ds.SeriesNumber = 3
    ds.InstanceNumber = instance
    ds.ImageOrientationPatient = _ds_values(np.concatenate(orientation))
    ds.ImagePositionPatient = _ds_values(position)
    ds.PixelSpacing = _ds_values(pixel_spacing)
    ds.SliceThickness = "2"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = _ds_values((slope, intercept))
    ds.PixelData = stored.astype("<u2").tobytes()
    return ds


def write_series(
    folder: Path,
    *,
    orientation: Orientation = AXIAL,
    rows: int = 10,
    columns: int = 12,
    slices: int = 6,
    pixel_spacing: tuple[float, float] = (0.9, 0.8),
    slice_spacing: float = 2.0,
    origin: tuple[float, float, float] = (-10.0, 20.0, 30.0),
    study_uid: str | None = None,
    series_uid: str | None = None,
    edit: Callable[[int, Dataset], None] | None = None,
    **slice_options,
) -> WrittenSeries:
    """Write one series into ``folder``; ``edit(k, ds)`` may change slice k before it is saved."""
    folder.mkdir(parents=True, exist_ok=True)
    study_uid, series_uid = study_uid or generate_uid(), series_uid or generate_uid()
    frame_uid = generate_uid()
    normal = np.cross(orientation[0], orientation[1])
    positions = np.array(origin) + np.outer(np.arange(slices) * slice_spacing, normal)
    slope, intercept = slice_options.get("slope", 1.0), slice_options.get("intercept", 0.0)
    values = np.empty((columns, rows, slices))
    file_numbers = np.random.default_rng(7).permutation(slices) + 1
    files = []
    for k in range(slices):
        stored = k * 1000 + np.arange(rows * columns).reshape(rows, columns)
        values[:, :, k] = (stored * slope + intercept).T
        ds = mr_slice(
            study_uid=study_uid,
            series_uid=series_uid,
            frame_uid=frame_uid,
            rows=rows,
            columns=columns,
            position=positions[k],
            orientation=orientation,
            pixel_spacing=pixel_spacing,
            stored=stored,
            instance=k + 1,
            **slice_options,
        )
        if edit is not None:
            edit(k, ds)
        path = folder / f"IM{file_numbers[k]:04d}"
        ds.save_as(path, enforce_file_format=True)
        files.append(path)
    return WrittenSeries(
        folder, files, values, positions, orientation, pixel_spacing, study_uid, series_uid
    )


def _ds_values(values) -> list[str]:
    """Decimal strings that fit DS (16 characters), with -0 written as 0."""
    return [f"{float(v) + 0.0:.10g}" for v in values]


def write_enhanced(folder: Path, **options) -> WrittenSeries:
    """One series as a single multi-frame file, converted by highdicom into a Legacy Converted
    Enhanced MR image (geometry and rescale in functional groups); frames in file order."""
    written = write_series(folder / "single", **options)
    slices = [pydicom.dcmread(path) for path in written.files]
    enhanced = hd.legacy.LegacyConvertedEnhancedMRImage(
        slices,
        series_instance_uid=written.series_uid,
        series_number=3,
        sop_instance_uid=generate_uid(),
        instance_number=1,
    )
    enhanced.SeriesDescription = slices[0].SeriesDescription
    shutil.rmtree(folder / "single")
    enhanced.save_as(folder / "ENHANCED", enforce_file_format=True)
    return written._replace(files=[folder / "ENHANCED"])
