"""The PACS harness itself: a real Orthanc with DICOMweb that stores a synthetic series (STOW-RS),
finds it (QIDO-RS) and gives it back unchanged (WADO-RS), refuses requests without its
credentials, and dciodvfy as the tests' DICOM validator."""

import shutil
import socket

import numpy as np
import pydicom
import pytest
import requests
from pydicom.data import get_testdata_file

from imaging.synthetic import build_cohort
from neuroreview.orthanc import Orthanc, OrthancError
from tests.pacs import dciodvfy as dciodvfy_module
from tests.pacs.conftest import PACS_PASSWORD, PACS_USER, dicomweb_client, empty
from tests.pacs.dciodvfy import DciodvfyError, dciodvfy_errors


@pytest.fixture(scope="module")
def flair_files(tmp_path_factory) -> list:
    """The FLAIR series of the first exam of a one-patient synthetic cohort, as DICOM files."""
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    build_cohort(out, patients=1, seed=15, resolution=2, formats=["dicom"])
    (exam,) = [e for e in (out / "dicom").glob("*/*") if e.name.startswith("01_")]
    files = sorted((exam / "FLAIR").glob("*.dcm"))
    assert len(files) > 10
    return files


@pytest.fixture
def stored(pacs, flair_files) -> pydicom.Dataset:
    """The FLAIR series stored in the emptied PACS with STOW-RS; its first slice's header."""
    dicomweb_client(pacs).store_instances([pydicom.dcmread(f) for f in flair_files])
    return pydicom.dcmread(flair_files[0], stop_before_pixels=True)


def _study_uids(matches: list[dict]) -> list[str]:
    return [match["0020000D"]["Value"][0] for match in matches]


def test_orthanc_runs_the_dicomweb_plugin_on_its_own_folder_and_ports(pacs, tmp_path_factory):
    assert pacs.system["Version"].startswith("1.")
    assert pacs.rest("GET", "/plugins/dicom-web")["ID"] == "dicom-web"
    assert pacs.http_port != pacs.dicom_port
    assert pacs.dicomweb_url == f"http://127.0.0.1:{pacs.http_port}/dicom-web"
    assert (pacs.folder / "storage").is_dir()


def test_qido_finds_a_stored_study_by_patient_id(pacs, stored):
    client = dicomweb_client(pacs)

    found = client.search_for_studies(search_filters={"PatientID": stored.PatientID})
    other = client.search_for_studies(search_filters={"PatientID": "NOBODY"})

    assert _study_uids(found) == [stored.StudyInstanceUID]
    assert other == []


def test_qido_finds_a_stored_study_by_study_date_range(pacs, stored):
    client = dicomweb_client(pacs)
    day = int(stored.StudyDate)

    around = client.search_for_studies(search_filters={"StudyDate": f"{day - 1}-{day + 1}"})
    before = client.search_for_studies(search_filters={"StudyDate": f"19000101-{day - 1}"})

    assert _study_uids(around) == [stored.StudyInstanceUID]
    assert before == []


def test_wado_retrieves_every_instance_with_identical_pixel_data(pacs, stored, flair_files):
    originals = {ds.SOPInstanceUID: ds for ds in map(pydicom.dcmread, flair_files)}

    retrieved = dicomweb_client(pacs).retrieve_series(
        stored.StudyInstanceUID, stored.SeriesInstanceUID
    )

    assert sorted(ds.SOPInstanceUID for ds in retrieved) == sorted(originals)
    for ds in retrieved:
        original = originals[ds.SOPInstanceUID]
        assert ds.pixel_array.dtype == original.pixel_array.dtype
        assert np.array_equal(ds.pixel_array, original.pixel_array)


def test_emptying_the_pacs_deletes_every_study_and_patient(pacs, stored):
    empty(pacs)

    assert pacs.rest("GET", "/studies") == []
    assert pacs.rest("GET", "/patients") == []


def test_a_request_without_credentials_is_refused_with_401(pacs_with_credentials):
    client = dicomweb_client(pacs_with_credentials)

    with pytest.raises(requests.HTTPError) as refused:
        client.search_for_studies()

    assert refused.value.response.status_code == 401


def test_a_request_with_credentials_stores_and_finds_a_study(pacs_with_credentials, flair_files):
    client = dicomweb_client(pacs_with_credentials, (PACS_USER, PACS_PASSWORD))
    header = pydicom.dcmread(flair_files[0], stop_before_pixels=True)

    client.store_instances([pydicom.dcmread(f) for f in flair_files[:3]])
    found = client.search_for_studies(search_filters={"PatientID": header.PatientID})

    assert _study_uids(found) == [header.StudyInstanceUID]


def test_orthanc_that_cannot_start_says_why_with_its_log(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        pacs = Orthanc(tmp_path / "orthanc", http_port=port, start_timeout=20)

        with pytest.raises(OrthancError) as failed:
            pacs.start()

    assert str(pacs.log_path) in str(failed.value)
    assert str(port) in str(failed.value)
    assert pacs.process is None


def test_dciodvfy_returns_a_list_of_errors_for_a_real_mr_file():
    errors = dciodvfy_errors(get_testdata_file("MR_small.dcm"))

    assert isinstance(errors, list)
    assert all(error.startswith(("Error - ", "Abort - ")) for error in errors)


def test_dciodvfy_reports_a_missing_type_2_attribute_by_name(flair_files, tmp_path):
    dataset = pydicom.dcmread(flair_files[0])
    del dataset.ScanOptions
    dataset.save_as(tmp_path / "no-scan-options.dcm")

    errors = dciodvfy_errors(tmp_path / "no-scan-options.dcm")

    assert any("<ScanOptions>" in error for error in errors)
    assert not any(error.startswith("Warning") for error in errors)


def test_dciodvfy_passes_a_synthetic_mr_file(flair_files):
    assert dciodvfy_errors(flair_files[0]) == []


def test_dciodvfy_reports_errors_for_a_file_that_is_not_dicom(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a DICOM file\n")

    errors = dciodvfy_errors(text)

    assert errors
    assert all(error.startswith(("Error - ", "Abort - ")) for error in errors)


def test_dciodvfy_raises_for_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        dciodvfy_errors(tmp_path / "absent.dcm")


def test_dciodvfy_raises_a_clear_error_when_the_tool_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(dciodvfy_module, "DCIODVFY", "dciodvfy-not-installed")
    dicom = tmp_path / "mr.dcm"
    shutil.copy(get_testdata_file("MR_small.dcm"), dicom)

    with pytest.raises(DciodvfyError, match="make pacs-tools"):
        dciodvfy_errors(dicom)
