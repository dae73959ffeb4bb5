"""Export of a reader study's scores in the input format of iMRMC (FDA/DIDSR), the reference
software for multi-reader multi-case ROC analysis (spec anchors: "Add an MRMC export (iMRMC input
format)"; no Python MRMC package exists).

The format, as iMRMC's own example files and its simulator write it (``.imrmc``, plain text)::

    free-text description lines
    (blank line)
    NR: <readers>
    N0: <signal-absent cases>
    N1: <signal-present cases>
    NM: <modalities>
    (blank line)
    BEGIN DATA:
    -1,<caseID>,0,<truth>              one truth row per case: reader -1, modality 0, truth 0 or 1
    <readerID>,<caseID>,<modalityID>,<score>

A higher score means more confidence that the signal (disease, lesion) is present. In a reader
study the modalities are the arms (e.g. ``unaided`` and ``aided``). Reader, case and modality IDs
are written as given; integer case IDs keep the file readable by RJafroc too, which requires them.
An ID may not contain a comma or whitespace, a reader may not be ``-1`` and a modality not ``0``
(both mark truth rows), every scored case needs its truth, and a reader scores a case once per
modality (iMRMC refuses replicate observations). Rows keep the caller's order.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TRUTH_READER = "-1"
TRUTH_MODALITY = "0"
HEADER_KEYS = ("NR", "N0", "N1", "NM")
BEGIN = "BEGIN DATA:"


@dataclass(frozen=True)
class Observation:
    reader: str | int
    case: str | int
    modality: str | int
    score: float


def imrmc_text(
    truth: Mapping[str | int, int], observations: Iterable[Observation], *, description: str
) -> str:
    """The iMRMC input file for ``truth`` (case → 0 or 1) and the readers' ``observations``."""
    observations = list(observations)
    _check_description(description)
    for case, value in truth.items():
        _check_id("case", case)
        if value not in (0, 1):
            raise ValueError(f"case {case}: truth must be 0 or 1, not {value!r}")
    seen = set()
    for observation in observations:
        for kind in ("reader", "case", "modality"):
            _check_id(kind, getattr(observation, kind))
        key = (str(observation.reader), str(observation.case), str(observation.modality))
        if key[0] == TRUTH_READER or key[2] == TRUTH_MODALITY:
            raise ValueError(f"reader {TRUTH_READER} and modality {TRUTH_MODALITY} mark truth rows")
        if key in seen:
            raise ValueError(f"reader {key[0]} scores case {key[1]} twice in modality {key[2]}")
        seen.add(key)
        if observation.case not in truth:
            raise ValueError(f"case {observation.case} has scores but no truth")
        if not math.isfinite(float(observation.score)):
            raise ValueError(f"score of {key} is not a finite number")
    lines = [
        *description.strip().splitlines(),
        "",
        f"NR: {len({o.reader for o in observations})}",
        f"N0: {sum(1 for value in truth.values() if value == 0)}",
        f"N1: {sum(1 for value in truth.values() if value == 1)}",
        f"NM: {len({o.modality for o in observations})}",
        "",
        BEGIN,
        *(f"{TRUTH_READER},{case},{TRUTH_MODALITY},{value}" for case, value in truth.items()),
        *(f"{o.reader},{o.case},{o.modality},{float(o.score)!r}" for o in observations),
    ]
    return "\n".join(lines) + "\n"


def write_imrmc(
    path: str | Path,
    truth: Mapping[str | int, int],
    observations: Iterable[Observation],
    *,
    description: str,
) -> Path:
    """Write :func:`imrmc_text` to ``path`` (iMRMC expects the ``.imrmc`` suffix)."""
    path = Path(path)
    path.write_text(imrmc_text(truth, observations, description=description), encoding="ascii")
    return path


def _check_id(kind: str, value) -> None:
    text = str(value)
    if not text or any(character == "," or character.isspace() for character in text):
        raise ValueError(f"{kind} ID {text!r} is empty or holds a comma or whitespace")


def _check_description(description: str) -> None:
    """The description is free text before the header; it must not read as header or data."""
    if not description.strip():
        raise ValueError("an iMRMC file starts with a description")
    for line in description.splitlines():
        key = line.split(":", 1)[0].strip()
        if line.strip() == BEGIN or (":" in line and key in HEADER_KEYS):
            raise ValueError(f"description line {line!r} would read as iMRMC header or data")
