"""A DICOMweb PACS through dicomweb-client: search its studies (QIDO-RS) and retrieve one into a
folder (WADO-RS), where the DICOM importer reads it as it reads an unpacked zip.

Retrieval goes series by series and writes each instance as it arrives, so memory holds one
instance at a time whatever the study's size. A PACS that refuses, cannot be reached or answers
nonsense raises ImagingInputError naming the PACS and what it said; credentials never appear
in a message.
"""

import contextlib
import dataclasses
import datetime
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from dicomweb_client.api import DICOMwebClient

from imaging.errors import ImagingInputError

TIMEOUT_S = 30
STORE_ATTEMPTS = 3
RETRY_PAUSE_S = 2.0
STUDY_FIELDS = (
    "StudyInstanceUID",
    "PatientID",
    "PatientName",
    "StudyDate",
    "StudyDescription",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
)


@dataclasses.dataclass(frozen=True)
class StudyFound:
    """A study the PACS listed, still identified: shown only to whoever may pull from it."""

    study_uid: str
    patient_id: str
    patient_name: str
    study_date: str  # YYYYMMDD as the PACS gives it, "" when absent
    description: str
    modalities: tuple[str, ...]
    series: int | None
    instances: int | None


@dataclasses.dataclass(frozen=True)
class StudyQuery:
    study_uid: str = ""
    patient_id: str = ""
    patient_name: str = ""  # DICOM wildcards (* ?) allowed
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    modality: str = ""
    description: str = ""

    def filters(self) -> dict[str, str]:
        wanted = {
            "StudyInstanceUID": self.study_uid,
            "PatientID": self.patient_id,
            "PatientName": self.patient_name,
            "ModalitiesInStudy": self.modality,
            "StudyDescription": self.description,
        }
        if self.date_from or self.date_to:
            low = f"{self.date_from:%Y%m%d}" if self.date_from else ""
            high = f"{self.date_to:%Y%m%d}" if self.date_to else ""
            wanted["StudyDate"] = f"{low}-{high}"
        return {key: value for key, value in wanted.items() if value}


def connect(url: str, username: str = "", password: str = "") -> DICOMwebClient:
    session = requests.Session()
    if username:
        session.auth = (username, password)
    return DICOMwebClient(url, session=session, timeout=TIMEOUT_S)


def search_studies(client: DICOMwebClient, query: StudyQuery, limit: int = 100) -> list[StudyFound]:
    """The PACS's studies that match, as many as ``limit``."""
    with _answers(client):
        found = client.search_for_studies(
            search_filters=query.filters(), limit=limit, fields=list(STUDY_FIELDS)
        )
    return [_study(attributes) for attributes in found]


def retrieve_study(
    client: DICOMwebClient,
    study_uid: str,
    folder: Path,
    progress: Callable[[int, int, str], None] = lambda done, total, message: None,
) -> int:
    """Every instance of the study written under ``folder`` (one folder per series); returns
    how many."""
    with _answers(client):
        series = [_value(s, "0020000E") for s in client.search_for_series(study_uid)]
        written = 0
        for done, series_uid in enumerate(series):
            progress(done, len(series), f"retrieving series {done + 1} of {len(series)}")
            target = folder / series_uid
            target.mkdir(parents=True, exist_ok=True)
            for dataset in client.iter_series(study_uid, series_uid):
                dataset.save_as(target / f"{dataset.SOPInstanceUID}.dcm", enforce_file_format=True)
                written += 1
    if not written:
        raise ImagingInputError(client.base_url, f"study {study_uid} has no instances to retrieve")
    return written


def store(client: DICOMwebClient, datasets: list, attempts: int = STORE_ATTEMPTS) -> str:
    """STOW-RS the datasets, again after a pause when the PACS cannot be reached or fails
    (5xx); returns what it answered, in words."""
    for attempt in range(1, attempts + 1):
        try:
            with _answers(client):
                answer = client.store_instances(datasets)
            break
        except ImagingInputError as error:
            transient = "cannot be reached" in error.reason or "answered 5" in error.reason
            if not transient or attempt == attempts:
                raise
            time.sleep(RETRY_PAUSE_S * attempt)
    stored = len(answer.get("ReferencedSOPSequence", [])) if answer else len(datasets)
    failed = len(answer.get("FailedSOPSequence", [])) if answer else 0
    if failed:
        raise ImagingInputError(client.base_url, f"the PACS refused {failed} of {len(datasets)}")
    return f"stored {stored} of {len(datasets)} (attempt {attempt})"


@contextlib.contextmanager
def _answers(client: DICOMwebClient) -> Iterator[None]:
    """What the PACS did wrong, as an ImagingInputError that names it."""
    try:
        yield
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        reason = "refused the credentials" if status in (401, 403) else f"answered {status}"
        raise ImagingInputError(client.base_url, f"the PACS {reason}") from error
    except (requests.ConnectionError, requests.Timeout) as error:
        raise ImagingInputError(client.base_url, "the PACS cannot be reached") from error


def _study(attributes: dict) -> StudyFound:
    series, instances = _value(attributes, "00201206"), _value(attributes, "00201208")
    return StudyFound(
        study_uid=_value(attributes, "0020000D"),
        patient_id=_value(attributes, "00100020"),
        patient_name=_person_name(attributes),
        study_date=_value(attributes, "00080020"),
        description=_value(attributes, "00081030"),
        modalities=tuple(attributes.get("00080061", {}).get("Value", [])),
        series=int(series) if series != "" else None,
        instances=int(instances) if instances != "" else None,
    )


def _value(attributes: dict, tag: str):
    values = attributes.get(tag, {}).get("Value", [])
    return values[0] if values else ""


def _person_name(attributes: dict) -> str:
    name = _value(attributes, "00100010")
    return name.get("Alphabetic", "") if isinstance(name, dict) else str(name)
