"""Which series of a study are the four sequences, decided from headers before any geometry is
checked: scanners export localizers, diffusion, perfusion and reformats beside them, and those
are left out with a reason instead of failing the import. The first slice's header is enough;
its pixels are never read."""

import dataclasses
import re
from collections.abc import Iterable, Mapping

from pydicom.dataset import Dataset
from pydicom.uid import UID

from imaging.sequences import Sequence, recognize_description

# ImageType values (PS3.3 C.7.6.1.1.2 and vendors' own) that mark an image as not acquired as is.
_IMAGE_TYPE_REASONS = (
    ({"LOCALIZER"}, "localizer"),
    ({"MPR", "REFORMATTED", "PROJECTION IMAGE", "MIP", "MNIP"}, "reformat or projection"),
    ({"DERIVED", "SECONDARY"}, "derived image"),
)
# Series descriptions and protocol names of series that are none of the four sequences, as
# whole words where "_" and digits also separate words ("ep2d_diff_trace", "AAHead_Scout_32ch").
_DESCRIPTION_REASONS = (
    (r"loc|locali[sz]\w*|scout|survey|(tri|3)[\s_-]*pl(ane)?|(tri)?pilot", "localizer"),
    (r"dwi|diff\w*|dti|adc|trace\w*|b[\s_-]*\d+", "diffusion"),
    (r"swi\w*|swan|susc\w*|t2[\s_-]*(\*|star|gre|ffe)", "susceptibility"),
    (r"perf\w*|dsc|dce|p?c?asl", "perfusion"),
    (r"(min)?mip|mpr|reformat\w*", "reformat or projection"),
)
_DESCRIPTION_PATTERNS = tuple(
    (re.compile(rf"(?<![a-z])({words})(?![a-z])", re.I), reason)
    for words, reason in _DESCRIPTION_REASONS
)


@dataclasses.dataclass(frozen=True)
class SeriesSeen:
    """One series of an upload as the import report names it. ``sequence`` is what it was
    recognized as (None when nothing); ``left_out`` says why it was not imported ("" when it
    was)."""

    study_uid: str
    series_uid: str
    number: int
    description: str
    files: int
    sequence: Sequence | None
    left_out: str


def classify(header: Dataset, overrides: Mapping[str, Sequence]) -> tuple[Sequence | None, str]:
    """The sequence the series of ``header`` is, or None and why it is left out. An override by
    SeriesInstanceUID, then by SeriesDescription, wins over everything the header says."""
    description = str(header.get("SeriesDescription", ""))
    chosen = overrides.get(str(header.get("SeriesInstanceUID", ""))) or overrides.get(description)
    if chosen:
        return chosen, ""
    if (modality := str(header.get("Modality", ""))) != "MR":
        return None, f"modality {modality or 'not given'}, not MR"
    sop_class = UID(str(header.get("SOPClassUID", "")))
    if "Secondary Capture" in sop_class.name:
        return None, "secondary capture"
    image_type = {str(value).upper() for value in header.get("ImageType") or ()}
    for values, reason in _IMAGE_TYPE_REASONS:
        if found := sorted(image_type & values):
            return None, f"{reason} (ImageType {', '.join(found)})"
    names = f"{description} {header.get('ProtocolName', '')}"
    for pattern, reason in _DESCRIPTION_PATTERNS:
        if pattern.search(names):
            return None, reason
    sequence = recognize_description(description)
    if sequence is None:
        return None, "not recognized as FLAIR, T1, T1CE or T2 (give an override)"
    return sequence, ""


def preference(slices: int, header: Dataset) -> tuple:
    """Sort key of series claiming one sequence in one study, best last: the most slices (or
    frames), then the finest pixels, then the latest series number (a repeat after motion comes
    later)."""
    shared = (header.get("SharedFunctionalGroupsSequence") or [Dataset()])[0]
    measures = (shared.get("PixelMeasuresSequence") or [Dataset()])[0]
    try:
        spacing = header.get("PixelSpacing") or measures.PixelSpacing
        area = float(spacing[0]) * float(spacing[1])
    except (AttributeError, IndexError, TypeError, ValueError):
        area = float("inf")
    return slices, -area, series_number(header), str(header.get("SeriesInstanceUID", ""))


def series_number(header: Dataset) -> int:
    try:
        return int(header.get("SeriesNumber") or 0)
    except (TypeError, ValueError):
        return 0


def report(seen: Iterable[SeriesSeen]) -> list[dict]:
    """The import report's rows, one per series, without UIDs (they identify the patient in the
    hospital's PACS): studies are numbered in the order seen."""
    studies: dict[str, int] = {}
    return [
        {
            "study": studies.setdefault(s.study_uid, len(studies) + 1),
            "number": s.number,
            "description": s.description,
            "files": s.files,
            "sequence": s.sequence.value if s.sequence else None,
            "left_out": s.left_out,
        }
        for s in seen
    ]


def listing(seen: Iterable[SeriesSeen]) -> str:
    """Every series seen, one line each, for a failure message."""
    return "\n".join(
        f"- study {row['study']}, series {row['number']} {row['description']!r} "
        f"({row['files']} file{'' if row['files'] == 1 else 's'}): "
        + (f"left out: {row['left_out']}" if row["left_out"] else f"chosen as {row['sequence']}")
        for row in report(seen)
    )
