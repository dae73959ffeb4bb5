"""DICOM folders and zip archives read as volumes with their geometry.

Headers are read first without pixel data to group instances by (StudyInstanceUID,
SeriesInstanceUID), choose the series that are the four sequences (series_selection) and check
the geometry of those only; their pixels are then read one series, one slice at a time. The
geometry follows DICOM PS3.3 C.7.6.2.1.1: with ImageOrientationPatient rows r and columns c,
PixelSpacing (Δr, Δc) and ImagePositionPatient P_k of slice k, pixel (column i, row j) of slice k
lies at P_k + i·Δc·r + j·Δr·c in LPS patient coordinates. Slices are ordered by P_k · n with
n = r × c. The returned affine maps nibabel voxel (i, j, k) to that point converted to RAS (x and
y negated), so the volume can be written as NIfTI as it is. An enhanced (multi-frame) image gives
one slice per frame, its geometry taken from the frame's functional groups.
"""

import dataclasses
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from imaging.errors import ImagingInputError
from imaging.safe_zip import extract_zip
from imaging.sequences import Sequence
from imaging.series_selection import SeriesSeen, classify, listing, preference, series_number

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
_GEOMETRY_ATOL = 1e-4  # PixelSpacing and direction cosines written with 4+ decimals agree to this
_DUPLICATE_MM = 0.01
_SPACING_RTOL = 0.01  # slices are evenly spaced when gaps agree to 1 %,
_SPACING_ATOL_MM = 0.001  # or to a micrometre for very thin slices
_IN_PLANE_SHIFT_PIXELS = 0.1  # a stack sheared by more than this (gantry tilt) is refused
_SKIPPED_NAMES = frozenset({"__macosx", "thumbs.db"})


@dataclasses.dataclass(frozen=True)
class DicomSeries:
    """One series as a volume. ``array[i, j, k]`` is pixel (column i, row j) of slice ``files[k]``
    after RescaleSlope/Intercept; ``affine`` maps (i, j, k) to RAS millimetres; ``spacing`` is
    (column, row, slice) spacing in mm; ``files`` are relative to the folder or zip read, in slice
    order; ``first_dataset`` is the header of the first slice, without pixel data, still identified.
    """

    study_uid: str
    series_uid: str
    series_description: str
    sequence: Sequence
    modality: str
    first_dataset: Dataset
    array: np.ndarray
    affine: np.ndarray
    spacing: tuple[float, float, float]
    files: tuple[PurePosixPath, ...]
    patient_id: str
    study_date: str
    # Per slice k, its SOPInstanceUID and frame number (None for a single-frame file): what a
    # DICOM SEG or SR made on this series must reference
    instances: tuple[tuple[str, int | None], ...] = ()


class _File(NamedTuple):
    path: Path
    name: str  # as shown in errors: the file path, or "archive.zip:member"
    relative: PurePosixPath
    header: Dataset
    has_preamble: bool


class _Slice(NamedTuple):
    path: Path
    name: str  # as shown in errors: the file path, or "archive.zip:member"
    relative: PurePosixPath
    header: Dataset
    rows: int
    columns: int
    pixel_spacing: np.ndarray  # (row spacing Δr, column spacing Δc)
    orientation: np.ndarray  # (r, c) as 6 values
    position: np.ndarray
    frame: int | None  # of a multi-frame file; None for a single-frame one
    slope: float
    intercept: float


class DicomTree(NamedTuple):
    """What an upload holds: the series chosen as the four sequences, read as volumes, and every
    series seen (chosen or left out, with why) for the import report."""

    series: list[DicomSeries]
    seen: list[SeriesSeen]


def read_dicom_tree(
    path: Path, *, sequence_overrides: Mapping[str, Sequence | str] | None = None
) -> DicomTree:
    """The series under ``path`` (a folder, walked recursively, or a ``.zip`` archive) that are
    FLAIR, T1, T1CE or T2, one per sequence and study, and every series seen.

    Each series is classified from its first header (``series_selection.classify``) before its
    geometry is checked, so localizers, diffusion and other series never fail the import.
    ``sequence_overrides`` maps a SeriesInstanceUID or a SeriesDescription to the sequence it is;
    a UID match wins over a description match, and both over what the header says. Where series
    of a study claim one sequence, ``series_selection.preference`` picks one, or the next when it
    cannot be read. Under a DICOMDIR only the files it references are read; hidden files and
    DICOM objects without pixels (SR, presentation states) are skipped. Series come sorted by
    study, then series number and UID.

    Raises
    ------
    ImagingInputError
        ``path`` is neither folder nor zip, or holds no DICOM image; a file is not DICOM or is
        truncated; a DICOMDIR is unreadable or references a missing file; an override names an
        unknown sequence. For the last series left for a sequence (the reason then lists every
        series seen): a file is colour or multi-frame without functional groups, a file or
        frame lacks geometry, or pixels cannot be decoded; Rows, Columns, PixelSpacing or
        ImageOrientationPatient differ between slices; the series has one slice, duplicate
        positions, a missing slice, uneven spacing or sheared slices (gantry tilt).
    """
    path = Path(path)
    overrides = {key: _sequence(key, value) for key, value in (sequence_overrides or {}).items()}
    if path.is_dir():
        return _read_folder(path, _Origin(path, is_zip=False), overrides)
    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="neuroreview-dicom-") as scratch:
            extract_zip(path, Path(scratch))
            return _read_folder(Path(scratch), _Origin(path, is_zip=True), overrides)
    raise ImagingInputError(path, "no such folder or zip archive")


def _sequence(key: str, value: Sequence | str) -> Sequence:
    try:
        return Sequence(value)
    except ValueError as exc:
        choices = ", ".join(Sequence)
        raise ImagingInputError(key, f"override {value!r} is not one of {choices}") from exc


class _Origin(NamedTuple):
    """What the user gave, so that errors name their files and not a temporary folder."""

    path: Path
    is_zip: bool

    def name(self, relative: PurePosixPath) -> str:
        return f"{self.path}:{relative}" if self.is_zip else str(self.path / relative)


def _read_folder(root: Path, origin: _Origin, overrides: Mapping[str, Sequence]) -> DicomTree:
    groups: dict[tuple[str, str], list[_File]] = {}
    for relative in _candidate_files(root, origin):
        item = _read_header(root / relative, origin.name(relative), relative)
        if item is not None:
            key = (str(item.header.StudyInstanceUID), str(item.header.SeriesInstanceUID))
            groups.setdefault(key, []).append(item)
    if not groups:
        raise ImagingInputError(origin.path, "no DICOM image found")
    return _choose(list(groups.values()), overrides)


def _choose(groups: list[list[_File]], overrides: Mapping[str, Sequence]) -> DicomTree:
    """Per study and sequence, the series ``preference`` ranks best among those claiming it,
    read as a volume; one that cannot be read gives way to the next (and is reported), and the
    read fails only when none of them can be read."""
    verdicts = [classify(files[0].header, overrides) for files in groups]
    left_out = {index: reason for index, (_, reason) in enumerate(verdicts) if reason}
    claims: dict[tuple[str, Sequence], list[int]] = {}
    for index, (sequence, _) in enumerate(verdicts):
        if sequence is not None:
            study = str(groups[index][0].header.StudyInstanceUID)
            claims.setdefault((study, sequence), []).append(index)
    series = []
    for (_, sequence), candidates in claims.items():
        ranked = sorted(candidates, key=lambda i: _preference(groups[i]), reverse=True)
        for index in ranked:
            try:
                series.append(_build_series(groups[index], sequence))
                break
            except ImagingInputError as error:
                if index == ranked[-1]:
                    seen = _seen(groups, verdicts, left_out)
                    raise ImagingInputError(
                        error.source, f"{error.reason}\nSeries seen:\n{listing(seen)}"
                    ) from error
                left_out[index] = _without_identifiers(error, groups[index])
        for other in ranked[ranked.index(index) + 1 :]:
            left_out[other] = _lost_to(groups[other], groups[index], sequence)
    return DicomTree(
        sorted(series, key=lambda s: (s.study_uid, series_number(s.first_dataset), s.series_uid)),
        _seen(groups, verdicts, left_out),
    )


def _without_identifiers(error: ImagingInputError, files: list[_File]) -> str:
    """The error as the import report keeps it: without the series UID, files named as in the
    upload (not where it was extracted)."""
    text = f"{error.source}: {error.reason}".replace(f" ({files[0].header.SeriesInstanceUID})", "")
    for item in files:
        text = text.replace(item.name, str(item.relative))
    return text


def _seen(
    groups: list[list[_File]],
    verdicts: list[tuple[Sequence | None, str]],
    left_out: Mapping[int, str],
) -> list[SeriesSeen]:
    seen = [
        SeriesSeen(
            study_uid=str(files[0].header.StudyInstanceUID),
            series_uid=str(files[0].header.SeriesInstanceUID),
            number=series_number(files[0].header),
            description=str(files[0].header.get("SeriesDescription", "")),
            files=len(files),
            sequence=verdicts[index][0],
            left_out=left_out.get(index, ""),
        )
        for index, files in enumerate(groups)
    ]
    return sorted(seen, key=lambda s: (s.study_uid, s.number, s.series_uid))


def _preference(files: list[_File]) -> tuple:
    slices = sum(int(item.header.get("NumberOfFrames") or 1) for item in files)
    return preference(slices, files[0].header)


def _lost_to(files: list[_File], best: list[_File], sequence: Sequence) -> str:
    mine, theirs = _preference(files), _preference(best)
    differs = next(k for k in range(len(mine)) if mine[k] != theirs[k])
    why = ("fewer slices", "coarser pixels", "an earlier series number", "a lower series UID")
    header = best[0].header
    return (
        f"another {sequence} series, {series_number(header)} "
        f"{str(header.get('SeriesDescription', ''))!r}, was chosen: this one has {why[differs]}"
    )


def _candidate_files(root: Path, origin: _Origin) -> list[PurePosixPath]:
    """The files to read: a folder holding a DICOMDIR (media, PS3.10) gives the files its
    records reference, and nothing else under it (media carry viewers and read-me files);
    elsewhere, every file not hidden."""
    found = []
    for folder, subfolders, names in os.walk(root):
        relative_folder = PurePosixPath(Path(folder).relative_to(root).as_posix())
        dicomdir = next((name for name in names if name.casefold() == "dicomdir"), None)
        if dicomdir is not None:
            subfolders[:] = []
            found += _referenced_files(root, relative_folder / dicomdir, origin)
            continue
        subfolders[:] = [d for d in subfolders if not _skipped(d)]
        found += [relative_folder / name for name in names if not _skipped(name)]
    return sorted(set(found))


def _referenced_files(root: Path, dicomdir: PurePosixPath, origin: _Origin) -> list[PurePosixPath]:
    name = origin.name(dicomdir)
    try:
        records = pydicom.dcmread(root / dicomdir).DirectoryRecordSequence
    except Exception as exc:
        raise ImagingInputError(name, f"unreadable DICOMDIR ({exc})") from exc
    found = []
    for record in records:
        if file_id := record.get("ReferencedFileID"):
            parts = [file_id] if isinstance(file_id, str) else list(file_id)
            relative = dicomdir.parent.joinpath(*parts)
            if not (root / relative).is_file():
                raise ImagingInputError(name, f"references {'/'.join(parts)}, which is missing")
            found.append(relative)
    return found


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.casefold() in _SKIPPED_NAMES


def _read_header(path: Path, name: str, relative: PurePosixPath) -> _File | None:
    """The file's header, None for a DICOM object without pixels."""
    header, has_preamble = _parse_header(path, name)
    if "Rows" not in header:
        meta = getattr(header, "file_meta", None) or Dataset()
        sop_class = UID(str(header.get("SOPClassUID") or meta.get("MediaStorageSOPClassUID", "")))
        if not sop_class or "Image Storage" in sop_class.name:
            raise ImagingInputError(name, "incomplete image header (truncated file?)")
        return None  # a structured report, presentation state or other object without pixels
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
        if header.get(keyword) in (None, ""):
            raise ImagingInputError(name, f"no {keyword}{_truncated(has_preamble)}")
    return _File(path, name, relative, header, has_preamble)


def _truncated(has_preamble: bool) -> str:
    return " (truncated file?)" if has_preamble else ""


def _parse_header(path: Path, name: str) -> tuple[Dataset, bool]:
    """The header of the file at ``path`` without its pixels, and whether it has a preamble."""
    try:
        return pydicom.dcmread(path, stop_before_pixels=True), True
    except InvalidDicomError:  # no "DICM" marker: maybe a bare dataset, maybe not DICOM at all
        try:
            header = pydicom.dcmread(path, stop_before_pixels=True, force=True)
            if "SOPClassUID" not in header:
                raise ImagingInputError(name, "not a DICOM file")
        except ImagingInputError:
            raise
        except Exception as exc:
            raise ImagingInputError(name, "not a DICOM file") from exc
        return header, False
    except Exception as exc:
        raise ImagingInputError(name, f"truncated or corrupt DICOM file ({exc})") from exc


def _checked_slices(item: _File) -> list[_Slice]:
    """The slice records of a file of a chosen series (one per frame), once its header is
    checked."""
    try:
        return _slices(item)
    except ImagingInputError:
        raise
    except Exception as exc:
        raise ImagingInputError(item.name, f"unreadable DICOM header ({exc})") from exc


def _slices(item: _File) -> list[_Slice]:
    header, name = item.header, item.name
    if int(header.get("SamplesPerPixel") or 1) != 1:
        raise ImagingInputError(name, "colour images are not supported")
    if header.get("Columns") in (None, ""):
        raise ImagingInputError(name, f"no Columns{_truncated(item.has_preamble)}")
    if "PerFrameFunctionalGroupsSequence" in header:
        return [_frame(item, frame) for frame in range(int(header.NumberOfFrames))]
    if int(header.get("NumberOfFrames") or 1) > 1:
        raise ImagingInputError(name, "multi-frame image without functional groups")
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        if header.get(keyword) in (None, ""):
            raise ImagingInputError(name, f"no {keyword}{_truncated(item.has_preamble)}")
    return [
        _Slice(
            item.path,
            name,
            item.relative,
            header,
            int(header.Rows),
            int(header.Columns),
            _floats(header.PixelSpacing, 2),
            _floats(header.ImageOrientationPatient, 6),
            _floats(header.ImagePositionPatient, 3),
            None,
            float(header.get("RescaleSlope", 1) or 1),
            float(header.get("RescaleIntercept", 0) or 0),
        )
    ]


def _frame(item: _File, frame: int) -> _Slice:
    """Frame ``frame`` of an enhanced (multi-frame) image, its geometry and rescale taken from
    its functional groups: the frame's own, else the shared ones (PS3.3 C.7.6.16)."""
    header = item.header
    own = header.PerFrameFunctionalGroupsSequence[frame]
    shared = (header.get("SharedFunctionalGroupsSequence") or [Dataset()])[0]
    name = f"{item.name} frame {frame + 1}"

    def value(macro: str, keyword: str, default=None):
        for groups in (own, shared):
            if groups.get(macro) and keyword in groups[macro][0]:
                return groups[macro][0][keyword].value
        if default is None:
            raise ImagingInputError(name, f"no {keyword} in its functional groups")
        return default

    return _Slice(
        item.path,
        name,
        item.relative,
        header,
        int(header.Rows),
        int(header.Columns),
        _floats(value("PixelMeasuresSequence", "PixelSpacing"), 2),
        _floats(value("PlaneOrientationSequence", "ImageOrientationPatient"), 6),
        _floats(value("PlanePositionSequence", "ImagePositionPatient"), 3),
        frame,
        float(value("PixelValueTransformationSequence", "RescaleSlope", 1) or 1),
        float(value("PixelValueTransformationSequence", "RescaleIntercept", 0) or 0),
    )


def _floats(value, count: int) -> np.ndarray:
    values = np.array([float(v) for v in value], dtype=np.float64)
    if values.shape != (count,) or not np.all(np.isfinite(values)):
        raise ValueError(f"expected {count} finite numbers, got {list(value)}")
    return values


def _build_series(files: list[_File], sequence: Sequence) -> DicomSeries:
    slices = [one for item in files for one in _checked_slices(item)]
    first = slices[0].header
    description = str(first.get("SeriesDescription", ""))
    series_uid = str(first.SeriesInstanceUID)
    label = f"series {description!r} ({series_uid})"
    _check_consistent(slices, label)
    ordered, normal, slice_spacing = _ordered_slices(slices, label)
    header = ordered[0].header
    r, c = ordered[0].orientation[:3], ordered[0].orientation[3:]
    row_spacing, column_spacing = ordered[0].pixel_spacing
    lps = np.eye(4)
    lps[:3, 0] = r * column_spacing
    lps[:3, 1] = c * row_spacing
    lps[:3, 2] = normal * slice_spacing
    lps[:3, 3] = ordered[0].position
    return DicomSeries(
        study_uid=str(header.StudyInstanceUID),
        series_uid=series_uid,
        series_description=description,
        sequence=sequence,
        modality=str(header.get("Modality", "")),
        first_dataset=header,
        array=_read_pixels(ordered),
        affine=LPS_TO_RAS @ lps,
        spacing=(float(column_spacing), float(row_spacing), float(slice_spacing)),
        files=tuple(item.relative for item in ordered),
        patient_id=str(header.get("PatientID", "")),
        study_date=str(header.get("StudyDate", "")),
        instances=tuple(
            (str(item.header.get("SOPInstanceUID", "")), item.frame) for item in ordered
        ),
    )


def _check_consistent(slices: list[_Slice], label: str) -> None:
    """Every slice shares the geometry most slices have; the first one that does not is named."""
    for attribute, value in (
        ("Rows", lambda item: np.array([item.rows])),
        ("Columns", lambda item: np.array([item.columns])),
        ("PixelSpacing", lambda item: item.pixel_spacing),
        ("ImageOrientationPatient", lambda item: item.orientation),
    ):
        counts = Counter(tuple(np.round(value(item), 4)) for item in slices)
        usual, count = counts.most_common(1)[0]
        for item in slices:
            if not np.allclose(value(item), usual, atol=_GEOMETRY_ATOL):
                raise ImagingInputError(
                    item.name,
                    f"{label}: {attribute} {_text(value(item))} differs from "
                    f"{_text(np.array(usual))} in {count} other files of the series",
                )
    orientation = slices[0].orientation
    r, c = orientation[:3], orientation[3:]
    if not np.allclose([r @ r, c @ c, r @ c], [1, 1, 0], atol=1e-3):
        raise ImagingInputError(
            slices[0].name, f"{label}: ImageOrientationPatient is not orthonormal"
        )


def _ordered_slices(slices: list[_Slice], label: str) -> tuple[list[_Slice], np.ndarray, float]:
    """Slices sorted along n = r × c, with n and the slice spacing, after the stacking checks."""
    if len(slices) < 2:
        raise ImagingInputError(label, "a single slice is not a volume")
    orientation = slices[0].orientation
    normal = np.cross(orientation[:3], orientation[3:])
    normal /= np.linalg.norm(normal)
    ordered = sorted(slices, key=lambda item: float(item.position @ normal))
    z = np.array([item.position @ normal for item in ordered])
    gaps = np.diff(z)
    for k, gap in enumerate(gaps):
        if gap < _DUPLICATE_MM:
            raise ImagingInputError(
                label,
                f"duplicate slice position z={z[k]:.2f} mm in "
                f"{ordered[k].relative} and {ordered[k + 1].relative}",
            )
    spacing = _nominal_spacing(gaps)
    tolerance = _spacing_tolerance(spacing)
    for k, gap in enumerate(gaps):
        if abs(gap - spacing) > tolerance:
            where = (
                f"between z={z[k]:.2f} mm ({ordered[k].relative}) and "
                f"z={z[k + 1]:.2f} mm ({ordered[k + 1].relative})"
            )
            multiple = round(gap / spacing)
            if multiple >= 2 and abs(gap - multiple * spacing) <= tolerance * multiple:
                missing = "missing slice" if multiple == 2 else f"{multiple - 1} missing slices"
                raise ImagingInputError(label, f"{missing} {where}; slice spacing {spacing:.2f} mm")
            raise ImagingInputError(
                label,
                f"uneven slice spacing: gap of {gap:.2f} mm {where}, "
                f"where slices are {spacing:.2f} mm apart",
            )
    shift_limit = _IN_PLANE_SHIFT_PIXELS * float(min(slices[0].pixel_spacing))
    for item, depth in zip(ordered, z, strict=True):
        offset = item.position - ordered[0].position
        in_plane = offset - (depth - z[0]) * normal
        if np.linalg.norm(in_plane) > shift_limit:
            raise ImagingInputError(
                item.name,
                f"{label}: slice is shifted {np.linalg.norm(in_plane):.2f} mm within "
                "its plane (gantry tilt or sheared stack), not supported",
            )
    return ordered, normal, float((z[-1] - z[0]) / (len(z) - 1))


def _nominal_spacing(gaps: np.ndarray) -> float:
    """The smallest gap when every gap is a whole multiple of it (slices are missing), else the
    median gap (spacing is uneven)."""
    smallest = float(gaps.min())
    multiples = np.round(gaps / smallest)
    if np.all(np.abs(gaps - multiples * smallest) <= _spacing_tolerance(smallest) * multiples):
        return smallest
    return float(np.median(gaps))


def _spacing_tolerance(spacing: float) -> float:
    return max(_SPACING_RTOL * spacing, _SPACING_ATOL_MM)


def _read_pixels(ordered: list[_Slice]) -> np.ndarray:
    first = ordered[0]
    volume = np.empty((first.columns, first.rows, len(ordered)), dtype=np.float32)
    decoded: dict[Path, np.ndarray] = {}  # the last file read: all frames of a multi-frame one
    for k, item in enumerate(ordered):
        try:
            if item.path not in decoded:
                decoded = {item.path: _decode(item.path)}
            pixels = decoded[item.path]
            if item.frame is not None and pixels.ndim == 3:
                pixels = pixels[item.frame]
            if pixels.shape != (first.rows, first.columns):
                raise ValueError(f"pixel array of shape {pixels.shape}")
        except Exception as exc:
            raise ImagingInputError(
                item.name, f"unreadable pixel data, truncated file? ({exc})"
            ) from exc
        volume[:, :, k] = (pixels.astype(np.float64) * item.slope + item.intercept).T
    return volume


def _decode(path: Path) -> np.ndarray:
    dataset = pydicom.dcmread(path, force=True)
    if "PixelData" not in dataset:
        raise ValueError("no pixel data")
    return dataset.pixel_array


def _text(values: np.ndarray) -> str:
    return f"{values[0]:g}" if values.size == 1 else f"[{', '.join(f'{v:g}' for v in values)}]"
