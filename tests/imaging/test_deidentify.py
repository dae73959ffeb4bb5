"""Deidentifier against DICOM PS3.15 Annex E: the Basic Profile with the Retain Longitudinal
Temporal Information with Modified Dates Option."""

import datetime
import json

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.uid import UID, generate_uid

from imaging.deidentify import PROFILE, Action, Deidentifier
from imaging.errors import ImagingInputError
from tests.imaging.dicom_builders import mr_slice

SHIFT = -400
SECRET = b"0123456789abcdef-test-secret"


@pytest.fixture
def deidentifier() -> Deidentifier:
    return Deidentifier(pseudonym="NR-0007", date_shift_days=SHIFT, uid_secret=SECRET)


def _slice(study_uid: str, series_uid: str, frame_uid: str, **options) -> Dataset:
    return mr_slice(
        study_uid=study_uid,
        series_uid=series_uid,
        frame_uid=frame_uid,
        position=np.zeros(3),
        stored=np.zeros((10, 12)),
        **options,
    )


@pytest.fixture
def identified() -> Dataset:
    """An MR slice with what hospital exports carry beyond the builder's basics."""
    ds = _slice(generate_uid(), generate_uid(), generate_uid())
    ds.PatientAge, ds.PatientAddress, ds.OtherPatientIDs = "050Y", "1 Main St", "MRN-998"
    ds.InstitutionAddress, ds.DeviceSerialNumber = "1 Hospital Rd", "SN-4711"
    ds.PerformingPhysicianName, ds.OperatorsName = "Grey^Meredith", "Tech^Tom"
    ds.StudyDescription, ds.ProtocolName, ds.ImageComments = "BRAIN Doe", "t2_flair", "call Jane"
    ds.AcquisitionDateTime = "20200115101633.123456+0100"
    ds.Manufacturer, ds.MagneticFieldStrength, ds.EchoTime = "SIEMENS", "3", "81"
    request = Dataset()
    request.RequestedProcedureID, request.ScheduledProcedureStepID = "RP1", "SPS1"
    ds.RequestAttributesSequence = [request]
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00291010, "OB", b"private identity")
    ds.add_new(0x60000010, "US", 10)
    ds.add_new(0x60003000, "OW", b"\x00\x01" * 4)
    ds.add_new(0x50000005, "US", 1)
    return ds


def test_every_keyword_of_the_action_table_is_a_dicom_keyword():
    unknown = [keyword for keyword in PROFILE if tag_for_keyword(keyword) is None]
    assert unknown == []


# Expected outcomes written from PS3.15 Table E.1-1 (basic profile column, and the Modified Dates
# option column for dates), independently of the module's table.
STANDARD_ROWS = [
    ("PatientBirthDate", "emptied"),
    ("PatientSex", "emptied"),
    ("PatientAge", "removed"),
    ("PatientAddress", "removed"),
    ("OtherPatientIDs", "removed"),
    ("AccessionNumber", "emptied"),
    ("StudyID", "emptied"),
    ("ReferringPhysicianName", "emptied"),
    ("PerformingPhysicianName", "removed"),
    ("OperatorsName", "emptied"),
    ("InstitutionName", "emptied"),
    ("InstitutionAddress", "removed"),
    ("StationName", "emptied"),
    ("DeviceSerialNumber", "emptied"),
    ("StudyDescription", "removed"),
    ("SeriesDescription", "removed"),
    ("ProtocolName", "removed"),
    ("ImageComments", "removed"),
    ("RequestAttributesSequence", "removed"),
    ("StudyTime", "kept"),
    ("Manufacturer", "kept"),
    ("MagneticFieldStrength", "kept"),
    ("EchoTime", "kept"),
    ("SOPClassUID", "kept"),
    ("StudyDate", "shifted"),
    ("SeriesDate", "shifted"),
    ("ContentDate", "shifted"),
    ("AcquisitionDateTime", "shifted"),
    ("StudyInstanceUID", "replaced"),
    ("SeriesInstanceUID", "replaced"),
    ("SOPInstanceUID", "replaced"),
    ("FrameOfReferenceUID", "replaced"),
]


@pytest.mark.parametrize(("keyword", "outcome"), STANDARD_ROWS)
def test_attribute_is_treated_as_table_e1_1_says(deidentifier, identified, keyword, outcome):
    original = identified[keyword].value
    clean = deidentifier.dataset(identified)
    if outcome == "removed":
        assert keyword not in clean
    elif outcome == "emptied":
        assert keyword in clean and clean[keyword].is_empty
    elif outcome == "kept":
        assert clean[keyword].value == original
    elif outcome == "shifted":
        assert clean[keyword].value == _shifted(str(original))
    else:
        assert clean[keyword].value not in ("", original)


def _shifted(value: str) -> str:
    date = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    return (date + datetime.timedelta(days=SHIFT)).strftime("%Y%m%d") + value[8:]


def test_every_table_attribute_present_is_removed_emptied_replaced_or_shifted(deidentifier):
    ds = Dataset()
    for keyword in PROFILE:
        tag = tag_for_keyword(keyword)
        if tag >> 16 != 0x0002:  # file meta lives apart from the data set
            ds.add_new(tag, dictionary_VR(tag).split(" or ")[0], _sample(dictionary_VR(tag)))
    clean = deidentifier.dataset(ds)
    for keyword, action in PROFILE.items():
        if keyword not in ds or keyword in ("PatientName", "PatientID"):
            continue
        _assert_treated_as_profile_says(keyword, action, ds, clean)


def _assert_treated_as_profile_says(keyword: str, action: Action, ds: Dataset, clean: Dataset):
    before, vr = ds[keyword].value, ds[keyword].VR
    if action is Action.REMOVE:
        assert keyword not in clean, keyword
    elif action is Action.ZERO:
        assert clean[keyword].is_empty, keyword
    elif action is Action.UID:
        assert clean[keyword].value != before and str(clean[keyword].value).startswith("2.25.")
    elif action is Action.CLEAN and vr in ("DA", "DT"):
        assert clean[keyword].value == _shifted(before), keyword
    elif vr == "SQ":  # D and K: the items are cleaned, the sequence stays
        assert keyword in clean, keyword
    elif action is Action.DUMMY:
        assert clean[keyword].value not in (None, "", before), keyword
    else:
        assert clean[keyword].value == before, keyword  # times under the Modified Dates option


def _sample(vr: str):
    vr = vr.split(" or ")[0]
    if vr == "SQ":
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "1", "99LOCAL", "secret"
        return [item]
    return {
        "PN": "Doe^Jane",
        "DA": "20200115",
        "TM": "101500",
        "DT": "20200115101500",
        "UI": "1.2.826.0.1.3680043.8.498.12345",
        "AS": "050Y",
        "US": 7,
        "SS": 7,
        "UL": 7,
        "SL": 7,
        "FL": 7.0,
        "FD": 7.0,
        "DS": "7",
        "IS": "7",
        "AT": 0x00100010,
    }.get(vr, b"\x01\x02" if vr.startswith("O") or vr == "UN" else "SECRET")


def test_name_and_id_become_the_pseudonym_and_the_method_is_recorded(deidentifier, identified):
    clean = deidentifier.dataset(identified)
    assert (str(clean.PatientName), clean.PatientID) == ("NR-0007", "NR-0007")
    assert clean.PatientIdentityRemoved == "YES"
    assert clean.LongitudinalTemporalInformationModified == "MODIFIED"
    codes = {
        (item.CodeValue, item.CodingSchemeDesignator)
        for item in clean.DeidentificationMethodCodeSequence
    }
    assert codes == {("113100", "DCM"), ("113107", "DCM")}
    assert all(len(value) <= 64 for value in clean.DeidentificationMethod)


def test_private_tags_curves_and_overlays_go_even_inside_sequences(deidentifier, identified):
    nested = Dataset()
    nested.ReferencedSOPClassUID = identified.SOPClassUID
    nested.ReferencedSOPInstanceUID = generate_uid()
    nested.add_new(0x00431001, "LO", "GEMS private")
    identified.ReferencedImageSequence = [nested]
    clean = deidentifier.dataset(identified)
    assert not any(element.tag.is_private for element in clean.iterall())
    assert not any(element.tag.group >> 8 in (0x50, 0x60) for element in clean.iterall())
    assert "ReferencedImageSequence" in clean


def test_dates_shift_by_exactly_the_offset_so_intervals_survive(deidentifier):
    baseline, follow_up = deidentifier.date("20200115"), deidentifier.date("20200722")
    assert baseline == "20181211"
    days = datetime.date.fromisoformat
    assert (
        days(f"{follow_up[:4]}-{follow_up[4:6]}-{follow_up[6:]}")
        - days(f"{baseline[:4]}-{baseline[4:6]}-{baseline[6:]}")
    ).days == 189


def test_acr_nema_dates_are_understood_and_nonsense_dates_refused(deidentifier, identified):
    assert deidentifier.date("2020.01.15") == "20181211"
    with pytest.raises(ImagingInputError):
        deidentifier.date("15/01/2020")
    identified.SeriesDate = "Jan 2020"
    with pytest.raises(ImagingInputError, match="SeriesDate"):
        deidentifier.dataset(identified)


def test_uids_are_replaced_consistently_across_a_studys_datasets(deidentifier):
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    first, second = _slice(study, series, frame), _slice(study, series, frame)
    second.ReferencedImageSequence = [Dataset()]
    second.ReferencedImageSequence[0].ReferencedSOPClassUID = first.SOPClassUID
    second.ReferencedImageSequence[0].ReferencedSOPInstanceUID = first.SOPInstanceUID
    clean_first, clean_second = deidentifier.dataset(first), deidentifier.dataset(second)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
        assert clean_first[keyword].value == clean_second[keyword].value != first[keyword].value
    assert clean_first.SOPInstanceUID != clean_second.SOPInstanceUID
    reference = clean_second.ReferencedImageSequence[0]
    assert reference.ReferencedSOPInstanceUID == clean_first.SOPInstanceUID
    assert reference.ReferencedSOPClassUID == first.SOPClassUID
    assert clean_first.SOPClassUID == first.SOPClassUID
    assert clean_first.file_meta.MediaStorageSOPInstanceUID == clean_first.SOPInstanceUID
    assert clean_first.file_meta.TransferSyntaxUID == first.file_meta.TransferSyntaxUID


def test_replacement_uids_are_valid_and_depend_on_the_secret(deidentifier):
    original = generate_uid()
    replacement = deidentifier.uid(original)
    assert replacement == deidentifier.uid(original) != original
    assert UID(replacement).is_valid and len(replacement) <= 64 and replacement.startswith("2.25.")
    other = Deidentifier(pseudonym="NR-7", date_shift_days=SHIFT, uid_secret=b"other-secret-016")
    assert other.uid(original) != replacement


def test_burned_in_annotation_is_refused(deidentifier, identified):
    identified.BurnedInAnnotation = "YES"
    with pytest.raises(ImagingInputError, match="BurnedInAnnotation"):
        deidentifier.dataset(identified)


def test_the_original_dataset_is_left_untouched(deidentifier, identified):
    before = identified.to_json_dict()
    deidentifier.dataset(identified)
    assert identified.to_json_dict() == before


def test_deidentified_dataset_writes_and_reads_back(deidentifier, identified, tmp_path):
    deidentifier.dataset(identified).save_as(tmp_path / "clean.dcm", enforce_file_format=True)
    again = pydicom.dcmread(tmp_path / "clean.dcm")
    assert again.PatientID == "NR-0007" and again.pixel_array.shape == (10, 12)


def test_header_is_json_and_carries_no_identity(deidentifier, identified):
    header = deidentifier.header(identified)
    text = json.dumps(header)
    for secret in (
        "Doe",
        "Jane",
        "General Hospital",
        "MRI3T",
        "ACC123456",
        "19700101",
        "20200115",
        "SN-4711",
        "Grey",
        "Tech^Tom",
        identified.StudyInstanceUID,
        identified.SOPInstanceUID,
        "SIEMENS CSA",
    ):
        assert secret not in text
    assert header["PatientID"] == "NR-0007" and header["StudyDate"] == "20181211"
    assert header["Rows"] == 10 and "PixelData" not in header
    assert "RequestAttributesSequence" not in header


@pytest.mark.parametrize(
    "options",
    [
        {"pseudonym": ""},
        {"pseudonym": "Doe^Jane"},
        {"pseudonym": "x" * 65},
        {"uid_secret": b"short"},
        {"date_shift_days": 1.5},
    ],
)
def test_bad_configuration_is_refused_at_construction(options):
    arguments = {"pseudonym": "NR-1", "date_shift_days": 0, "uid_secret": SECRET} | options
    with pytest.raises(ValueError):
        Deidentifier(**arguments)
