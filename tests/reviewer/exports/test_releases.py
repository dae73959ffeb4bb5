"""The steward's releases decide what a researcher may export: a patient or a sealed dataset
version's patients, to one researcher or all; the newest decision that applies counts, and a
patient's own before their dataset's; rows are append-only. QA admins export what they see
without a release. Blinding leaves the AI output of hidden exams out of the user's export."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from reviewer.cases import blinding
from reviewer.cases.models import Exam, Patient
from reviewer.cases.permissions import grant_patient
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version
from reviewer.exports.bundle import build, verify
from reviewer.exports.releases import ReleaseRefused, decide
from reviewer.exports.scope import (
    ExportRefused,
    exportable_patients,
    without_ai,
    without_reference,
)
from reviewer.exports.tidy import event_rows
from segmentation.models import Segmentation
from tests.reviewer.viewer.viewer_builders import stored_exam


@pytest.fixture
def steward(make_user):
    return make_user("admin", username="steward")


@pytest.fixture
def researchers(make_user, reviewed):
    """Two researchers who both see the reviewed patient and a second one."""
    other = Patient.objects.create(pseudonym="NR-SECOND")
    stored_exam(other, 0)
    people = [make_user("researcher", username=f"researcher-{n}") for n in (1, 2)]
    for person in people:
        grant_patient(reviewed.patient, person)
        grant_patient(other, person)
    return people


@pytest.fixture
def dataset_version(reviewed, steward):
    dataset = ReferenceDataset.objects.create(name="Export glioma", created_by=steward)
    return create_version(dataset, reviewed.patient.exams.all(), user=steward)


def exportable(user) -> set[str]:
    return set(exportable_patients(user).values_list("pseudonym", flat=True))


def test_a_researcher_exports_nothing_until_the_steward_releases(researchers):
    assert exportable(researchers[0]) == set()


def test_a_patient_released_to_one_researcher_is_theirs_alone(researchers, reviewed, steward):
    decide(action="release", steward=steward, patient=reviewed.patient, researcher=researchers[0])
    assert exportable(researchers[0]) == {"NR-EXPORT01"}
    assert exportable(researchers[1]) == set()


def test_a_patient_released_to_all_researchers_is_everyones(researchers, reviewed, steward):
    decide(action="release", steward=steward, patient=reviewed.patient)
    assert exportable(researchers[0]) == exportable(researchers[1]) == {"NR-EXPORT01"}


def test_a_revocation_after_a_release_withdraws_it(researchers, reviewed, steward):
    decide(action="release", steward=steward, patient=reviewed.patient)
    decide(action="revoke", steward=steward, patient=reviewed.patient, researcher=researchers[0])
    assert exportable(researchers[0]) == set()
    assert exportable(researchers[1]) == {"NR-EXPORT01"}


def test_a_released_dataset_version_releases_its_cases_patients(
    researchers, steward, dataset_version
):
    decide(action="release", steward=steward, dataset_version=dataset_version)
    assert exportable(researchers[0]) == {"NR-EXPORT01"}


def test_a_patient_revoked_on_their_own_stays_out_of_a_released_dataset(
    researchers, reviewed, steward, dataset_version
):
    decide(action="release", steward=steward, dataset_version=dataset_version)
    decide(action="revoke", steward=steward, patient=reviewed.patient)
    assert exportable(researchers[0]) == set()


def test_a_released_patient_the_researcher_may_not_see_stays_out(make_user, reviewed, steward):
    stranger = make_user("researcher")
    decide(action="release", steward=steward, patient=reviewed.patient)
    assert exportable(stranger) == set()


def test_a_named_patient_seen_but_not_released_is_refused_as_such(researchers, reviewed):
    with pytest.raises(ExportRefused, match="not released to you for export: NR-EXPORT01"):
        exportable_patients(researchers[0], ["NR-EXPORT01"])


def test_a_qa_admin_exports_every_patient_without_a_release(make_user, researchers):
    assert exportable(make_user("qa_admin")) == {"NR-EXPORT01", "NR-SECOND"}


@pytest.mark.parametrize("role", ["researcher", "qa_admin", "radiologist"])
def test_only_the_data_steward_decides(make_user, reviewed, role):
    with pytest.raises(ReleaseRefused, match="not the data steward"):
        decide(action="release", steward=make_user(role), patient=reviewed.patient)


def test_a_release_to_someone_not_a_researcher_is_refused(reviewed, steward, make_user):
    with pytest.raises(ReleaseRefused, match="is not a researcher") as refused:
        decide(
            action="release",
            steward=steward,
            patient=reviewed.patient,
            researcher=make_user("radiologist"),
        )
    assert refused.value.field == "researcher"


def test_a_release_names_exactly_one_subject(reviewed, steward, dataset_version):
    with pytest.raises(ReleaseRefused, match="one of them"):
        decide(
            action="release",
            steward=steward,
            patient=reviewed.patient,
            dataset_version=dataset_version,
        )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE exports_exportrelease SET action = 'revoke'", "DELETE FROM exports_exportrelease"],
)
def test_the_database_refuses_to_change_or_delete_a_decision(reviewed, steward, statement):
    decide(action="release", steward=steward, patient=reviewed.patient)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


@pytest.fixture
def blinded(monkeypatch, reviewed):
    """A blinding rule that hides the AI output of the reviewed patient's first exam."""
    hidden = reviewed.model.exam
    monkeypatch.setitem(
        blinding._rules, blinding.AI, [lambda user: Exam.objects.filter(pk=hidden.pk).values("pk")]
    )
    return hidden


def test_blinded_exams_ai_output_is_left_out_of_the_export(
    blinded, researchers, reviewed, steward, tmp_path
):
    reader = researchers[0]
    decide(action="release", steward=steward, patient=reviewed.patient)
    out = tmp_path / "export.zip"
    build(exportable_patients(reader), out, without_ai=without_ai(reader))
    verified = verify(out)
    on_hidden = [e for e in verified.manifest["segmentations"] if e["exam_order"] == blinded.order]
    assert {e["segmentation_source"] for e in on_hidden} == {Segmentation.Source.REFERENCE}
    assert verified.manifest["ai_withheld"]["exams"] == [
        {"patient": "NR-EXPORT01", "exam_order": blinded.order}
    ]
    kinds = {e["event_kind"] for e in verified.events}
    assert not kinds & {"assessment", "lesion_verdict", "alarm_verdict"}
    assert "survey_answer" in kinds


def test_the_reference_of_a_patient_the_exporter_still_reads_is_left_out(
    monkeypatch, researchers, reviewed, steward, tmp_path
):
    hidden = reviewed.model.exam
    monkeypatch.setitem(
        blinding._rules,
        blinding.REFERENCE,
        [lambda user: Exam.objects.filter(pk=hidden.pk).values("pk")],
    )
    reader = researchers[0]
    decide(action="release", steward=steward, patient=reviewed.patient)
    out = tmp_path / "export.zip"
    build(exportable_patients(reader), out, without_reference=without_reference(reader))
    verified = verify(out)
    on_hidden = [e for e in verified.manifest["segmentations"] if e["exam_order"] == hidden.order]
    assert Segmentation.Source.REFERENCE not in {e["segmentation_source"] for e in on_hidden}
    assert verified.manifest["reference_withheld"]["exams"] == [
        {"patient": "NR-EXPORT01", "exam_order": hidden.order}
    ]


def test_without_blinding_the_ai_output_and_its_events_are_in(reviewed):
    kinds = {row["event_kind"] for row in event_rows(Patient.objects.all(), without_ai=())}
    assert {"assessment", "lesion_verdict", "alarm_verdict"} <= kinds
