"""The export_research command: the export roles only; a researcher limited to the patients
granted and released to them."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from imaging.labels import LabelScheme
from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from reviewer.exports.bundle import verify
from reviewer.exports.releases import decide
from tests.reviewer.exports.conftest import tumour
from tests.reviewer.viewer.viewer_builders import stored_exam, stored_segmentation


@pytest.fixture
def researcher(make_user, reviewed):
    user = make_user("researcher", username="researcher-r")
    grant_patient(reviewed.patient, user)
    decide(action="release", steward=make_user("admin"), patient=reviewed.patient, researcher=user)
    return user


@pytest.fixture
def other_patient(reviewed):
    patient = Patient.objects.create(pseudonym="NR-NOTYOURS")
    stored_segmentation(stored_exam(patient, 0), tumour(3, 3, 3), scheme=LabelScheme.BRATS2020)
    return patient


def test_a_radiologist_is_refused(reviewed, tmp_path):
    out = tmp_path / "export.zip"
    with pytest.raises(CommandError, match="radiologist: this role may not export"):
        call_command("export_research", str(out), user=reviewed.reader.username)
    assert not out.exists()


def test_a_researcher_gets_a_verified_bundle_of_only_the_patients_released_to_them(
    researcher, other_patient, tmp_path
):
    out = tmp_path / "export.zip"
    call_command("export_research", str(out), user=researcher.username)
    verified = verify(out)
    assert verified.manifest["patients"] == ["NR-EXPORT01"]
    with zipfile.ZipFile(out) as archive:
        assert not any("NR-NOTYOURS" in name for name in archive.namelist())
    assert {event["patient"] for event in verified.events} == {"NR-EXPORT01"}


def test_a_named_patient_the_researcher_may_not_see_is_refused(researcher, other_patient, tmp_path):
    with pytest.raises(CommandError, match="no patient you may export: NR-NOTYOURS"):
        call_command(
            "export_research",
            str(tmp_path / "export.zip"),
            user=researcher.username,
            patients=["NR-EXPORT01", "NR-NOTYOURS"],
        )
