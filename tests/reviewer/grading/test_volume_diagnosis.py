"""The three-exam volume diagnosis (EASE R-A8): volumes and changes only when all three
segmentations are currently ACCEPTABLE; a second radiologist's independent opinion exactly when
the 2D and volume diagnoses differ, blind to the first reader's conclusion until given; then
agreement or a consensus that states the uncertainty; everything append-only."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from reviewer.cases.permissions import grant_patient
from reviewer.grading import diagnoses
from reviewer.grading.models import Consensus, SecondOpinion, VolumeDiagnosis
from tests.reviewer.grading.builders import (
    accept_all,
    composites,
    consensus_url,
    glioma_patient,
    opinion_url,
    post,
    radiologist,
    sheet_url,
)
from tests.reviewer.worklist.builders import grade

pytestmark = pytest.mark.django_db

DISCORDANT = {"family": "node", "rano_diagnosis": "stable", "volume_diagnosis": "progression"}
CONCORDANT = {"family": "node", "rano_diagnosis": "stable", "volume_diagnosis": "stable"}


@pytest.fixture
def patient():
    return glioma_patient(pseudonym="NR-THREE")


@pytest.fixture
def current(patient):
    return patient.exams.get(order=2)


@pytest.fixture
def first(make_user, patient):
    return radiologist(make_user, patient, "dr-first")


@pytest.fixture
def second(make_user, patient):
    return radiologist(make_user, patient, "dr-second")


@pytest.fixture
def node(patient, first):
    """The NODE composites of t, t−1, t−2, all graded ACCEPTABLE."""
    segmentations = composites(patient, "node")
    accept_all(segmentations, first)
    return segmentations


@pytest.fixture
def api():
    """A client per user, so that two readers can work side by side."""

    def client(user) -> Client:
        logged_in = Client()
        logged_in.force_login(user)
        return logged_in

    return client


@pytest.fixture
def discordant(node, current, first):
    return diagnoses.record_diagnosis(
        user=first,
        exam=current,
        family="node",
        rano_diagnosis="stable",
        volume_diagnosis="progression",
        comment="the volume grew by half",
    )


def volumes(member) -> dict:
    return {v["region"]: v["volume_ml"] for v in member["volumes"]}


def changes(sheet, against: str) -> dict:
    (found,) = [c for c in sheet["changes"] if c["against"] == against]
    return {c["region"]: (c["change_ml"], c["change_percent"]) for c in found["regions"]}


def test_the_sheet_gives_each_exam_s_region_volumes(api, first, node, current):
    sheet = api(first).get(sheet_url(current)).json()

    assert sheet["possible"] is True and sheet["refusals"] == []
    assert [m["timepoint"] for m in sheet["members"]] == ["t", "t-1", "t-2"]
    assert [m["segmentation"] for m in sheet["members"]] == [s.pk for s in node]
    assert volumes(sheet["members"][0]) == {
        "necrosis": 1.0,
        "oedema": 8.0,
        "enhancing": 3.0,
        "TC": 4.0,
        "WT": 12.0,
    }


def test_the_sheet_gives_changes_in_ml_and_percent_against_each_prior(api, first, node, current):
    sheet = api(first).get(sheet_url(current)).json()

    assert changes(sheet, "t-1")["WT"] == (2.0, 20.0)
    assert changes(sheet, "t-2")["WT"] == (4.0, 50.0)
    assert changes(sheet, "t-2")["enhancing"] == (2.0, 200.0)
    assert changes(sheet, "t-1")["necrosis"] == (0.0, 0.0)


def test_the_sheet_gives_the_guide_lines_as_data_and_no_classification(api, first, node, current):
    sheet = api(first).get(sheet_url(current)).json()

    assert sheet["guide_lines_percent"] == {"rano_2d": 25.0, "volume": 40.0}
    assert sheet["diagnoses"] == []
    assert "progression" not in str(sheet)


def test_no_volumetric_assessment_when_a_prior_was_graded_unacceptable(
    api, first, patient, current
):
    t, t1, t2 = composites(patient, "node")
    accept_all([t, t1], first)
    grade(t2, first, acceptable=False, grade=2)

    sheet = api(first).get(sheet_url(current)).json()
    refused = post(api(first), sheet_url(current), DISCORDANT)

    assert sheet["possible"] is False
    assert [(r["kind"], r["segmentation"]) for r in sheet["refusals"]] == [("unacceptable", t2.pk)]
    assert all(m["volumes"] is None for m in sheet["members"]) and sheet["changes"] == []
    assert refused.status_code == 400
    assert f"segmentation {t2.pk}" in refused.json()["segmentations"][0]
    assert "UNACCEPTABLE" in refused.json()["segmentations"][0]
    assert not VolumeDiagnosis.objects.exists()


def test_no_volumetric_assessment_when_a_segmentation_is_not_graded(api, first, patient, current):
    t, t1, t2 = composites(patient, "node")
    accept_all([t, t2], first)

    sheet = api(first).get(sheet_url(current)).json()
    refused = post(api(first), sheet_url(current), CONCORDANT)

    assert [(r["kind"], r["segmentation"]) for r in sheet["refusals"]] == [("not_graded", t1.pk)]
    assert refused.status_code == 400 and "not graded" in refused.json()["segmentations"][0]


def test_no_volumetric_assessment_when_the_current_assessment_regraded_it_unacceptable(
    api, first, second, node, current
):
    accepted = node[0].assessments.get()
    grade(node[0], second, acceptable=False, grade=3, supersedes=accepted)

    sheet = api(first).get(sheet_url(current)).json()

    assert [r["segmentation"] for r in sheet["refusals"]] == [node[0].pk]


def test_no_volumetric_assessment_when_an_exam_lacks_the_family_s_composite(
    api, first, node, current
):
    refused = post(api(first), sheet_url(current), {**CONCORDANT, "family": "unet"})

    assert refused.status_code == 400
    assert "no unet composite segmentation" in refused.json()["segmentations"][0]


def test_no_volumetric_assessment_with_fewer_than_two_priors(api, first, patient, node):
    second_exam = patient.exams.get(order=1)

    sheet = api(first).get(sheet_url(second_exam)).json()

    assert sheet["possible"] is False
    assert sheet["refusals"][0]["kind"] == "priors"
    assert "needs two priors" in sheet["refusals"][0]["message"]


def test_concordant_diagnoses_close_the_reading_without_a_second_opinion(
    api, first, second, node, current
):
    recorded = post(api(first), sheet_url(current), CONCORDANT)
    opinion = post(api(second), opinion_url(recorded.json()["id"]), {"opinion": "stable"})

    assert recorded.status_code == 201
    assert recorded.json()["stage"] == "concordant"
    assert recorded.json()["conclusion"] == "stable"
    assert opinion.status_code == 400 and "needs no second opinion" in str(opinion.json())
    assert not SecondOpinion.objects.exists()


def test_discordant_diagnoses_wait_for_a_second_opinion(api, first, node, current):
    recorded = post(api(first), sheet_url(current), DISCORDANT)

    assert recorded.status_code == 201
    assert recorded.json()["stage"] == "awaiting_second_opinion"
    assert recorded.json()["conclusion"] is None


def test_the_diagnosis_keeps_the_volumes_the_reader_saw(api, first, node, current):
    recorded = post(api(first), sheet_url(current), CONCORDANT).json()

    snapshot = {row["timepoint"]: row for row in recorded["volumes"]}
    assert snapshot["t-2"]["segmentation"] == node[2].pk
    assert {"region": "WT", "volume_ml": 8.0} in snapshot["t-2"]["volumes"]


def test_the_second_reader_cannot_fetch_the_first_reader_s_conclusion_before_submitting(
    api, second, discordant, current
):
    response = api(second).get(sheet_url(current))

    (row,) = response.json()["diagnoses"]
    assert row["conclusion_hidden"] is True
    assert row["rano_diagnosis"] is None and row["volume_diagnosis"] is None
    assert row["comment"] is None and row["conclusion"] is None
    assert "the volume grew by half" not in response.content.decode()
    assert "progression" not in response.content.decode()


def test_a_qa_admin_cannot_fetch_the_first_reader_s_conclusion_either(
    api, make_user, discordant, current
):
    response = api(make_user("qa_admin")).get(sheet_url(current))

    assert response.json()["diagnoses"][0]["conclusion_hidden"] is True
    assert "progression" not in response.content.decode()


def test_the_first_reader_sees_their_own_conclusion_while_waiting(api, first, discordant, current):
    (row,) = api(first).get(sheet_url(current)).json()["diagnoses"]

    assert row["conclusion_hidden"] is False
    assert (row["rano_diagnosis"], row["volume_diagnosis"]) == ("stable", "progression")


def test_the_second_reader_sees_the_first_conclusion_once_they_submitted(
    api, second, discordant, current
):
    answer = post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})
    (row,) = api(second).get(sheet_url(current)).json()["diagnoses"]

    assert answer.status_code == 201
    assert answer.json()["volume_diagnosis"] == "progression"
    assert row["conclusion_hidden"] is False and row["comment"] == "the volume grew by half"
    assert row["second_opinion"]["opinion"] == "stable"


def test_a_second_opinion_that_agrees_with_the_volume_diagnosis_closes_the_reading(
    api, first, second, discordant
):
    agreed = post(api(second), opinion_url(discordant.pk), {"opinion": "progression"})
    consensus = post(api(first), consensus_url(discordant.pk), {"text": "agreed"})

    assert agreed.json()["stage"] == "agreed"
    assert agreed.json()["conclusion"] == "progression"
    assert consensus.status_code == 400 and "needs no consensus" in str(consensus.json())


def test_a_differing_second_opinion_waits_for_a_consensus(api, second, discordant):
    differing = post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})

    assert differing.json()["stage"] == "awaiting_consensus"
    assert differing.json()["conclusion"] is None


def test_a_consensus_text_that_states_the_uncertainty_closes_the_reading(
    api, first, second, discordant
):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})
    text = "Uncertain: growth may reflect FLAIR intensity differences; follow-up in 3 months."

    closed = post(api(first), consensus_url(discordant.pk), {"text": text})

    assert closed.status_code == 201
    assert closed.json()["stage"] == "consensus"
    assert closed.json()["consensus"]["text"] == text
    assert closed.json()["conclusion"] is None


def test_a_consensus_may_state_the_diagnosis_the_readers_reached(api, first, second, discordant):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})

    closed = post(
        api(second),
        consensus_url(discordant.pk),
        {"text": "Stable after review of the priors.", "conclusion": "stable"},
    )

    assert closed.json()["conclusion"] == "stable"


def test_a_consensus_without_text_is_400_naming_text(api, first, second, discordant):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})

    refused = post(api(first), consensus_url(discordant.pk), {"text": "   "})

    assert refused.status_code == 400 and "text" in refused.json()
    assert not Consensus.objects.exists()


def test_a_consensus_before_the_second_opinion_is_refused(api, first, discordant):
    refused = post(api(first), consensus_url(discordant.pk), {"text": "we agree"})

    assert refused.status_code == 400
    assert "Waiting for a second reader" in str(refused.json())


def test_the_first_reader_cannot_give_the_second_opinion(api, first, discordant):
    refused = post(api(first), opinion_url(discordant.pk), {"opinion": "progression"})

    assert refused.status_code == 403
    assert "another radiologist" in refused.json()["detail"]
    assert not SecondOpinion.objects.exists()


def test_a_third_radiologist_cannot_record_the_consensus(
    api, make_user, patient, second, discordant
):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})
    third = radiologist(make_user, patient, "dr-third")

    refused = post(api(third), consensus_url(discordant.pk), {"text": "I think it is stable."})

    assert refused.status_code == 403
    assert not Consensus.objects.exists()


def test_a_second_second_opinion_is_refused_with_409(api, make_user, patient, second, discordant):
    third = radiologist(make_user, patient, "dr-third")
    given = post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})

    late = post(api(third), opinion_url(discordant.pk), {"opinion": "progression"})

    assert given.status_code == 201 and late.status_code == 409
    assert SecondOpinion.objects.get().opinion == "stable"


def test_a_second_consensus_is_refused_with_409(api, first, second, discordant):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})
    post(api(first), consensus_url(discordant.pk), {"text": "Uncertain."})

    late = post(api(second), consensus_url(discordant.pk), {"text": "Stable."})

    assert late.status_code == 409
    assert Consensus.objects.get().text == "Uncertain."


def test_a_first_diagnosis_submitted_after_another_is_refused_with_409(
    api, first, second, node, current
):
    recorded = post(api(first), sheet_url(current), CONCORDANT)

    stale = post(api(second), sheet_url(current), DISCORDANT)

    assert recorded.status_code == 201 and stale.status_code == 409
    assert "reload" in stale.json()["detail"]
    assert VolumeDiagnosis.objects.count() == 1


def test_a_revision_supersedes_the_reader_s_own_diagnosis_and_both_stay(api, first, node, current):
    original = post(api(first), sheet_url(current), DISCORDANT).json()

    revised = post(api(first), sheet_url(current), {**CONCORDANT, "supersedes": original["id"]})
    history = api(first).get(sheet_url(current)).json()["diagnoses"]

    assert revised.status_code == 201
    assert [row["id"] for row in history] == [revised.json()["id"], original["id"]]
    assert history[0]["supersedes"] == original["id"]


def test_another_reader_cannot_revise_a_diagnosis(api, second, discordant, current):
    refused = post(api(second), sheet_url(current), {**CONCORDANT, "supersedes": discordant.pk})

    assert refused.status_code == 403
    assert VolumeDiagnosis.objects.count() == 1


def test_a_diagnosis_with_a_second_opinion_cannot_be_revised(
    api, first, second, discordant, current
):
    post(api(second), opinion_url(discordant.pk), {"opinion": "stable"})

    refused = post(api(first), sheet_url(current), {**CONCORDANT, "supersedes": discordant.pk})

    assert refused.status_code == 400 and "supersedes" in refused.json()


def test_an_inconsistent_set_needs_a_reason(api, first, node, current):
    refused = post(
        api(first),
        sheet_url(current),
        {"family": "node", "rano_diagnosis": "stable", "inconsistent": True},
    )

    assert refused.status_code == 400 and "inconsistency_reason" in refused.json()


def test_an_inconsistent_set_closes_the_reading_without_a_volume_diagnosis(
    api, first, node, current
):
    rejected = post(
        api(first),
        sheet_url(current),
        {
            "family": "node",
            "rano_diagnosis": "stable",
            "inconsistent": True,
            "inconsistency_reason": "t−1 oedema missed where FLAIR is darker",
        },
    )

    assert rejected.status_code == 201
    assert rejected.json()["stage"] == "inconsistent"
    assert rejected.json()["volume_diagnosis"] is None


def test_a_volume_diagnosis_is_required_unless_the_set_is_inconsistent(api, first, node, current):
    refused = post(api(first), sheet_url(current), {"family": "node", "rano_diagnosis": "stable"})

    assert refused.status_code == 400 and "volume_diagnosis" in refused.json()


def test_an_unknown_diagnosis_is_400_naming_the_field(api, first, node, current):
    refused = post(api(first), sheet_url(current), {**CONCORDANT, "rano_diagnosis": "worse"})

    assert refused.status_code == 400 and "rano_diagnosis" in refused.json()


def test_an_exam_of_another_patient_as_prior_is_400_naming_priors(api, first, node, current):
    stranger = glioma_patient(exams=1).exams.get()
    prior = current.patient.exams.get(order=1)

    refused = post(
        api(first), sheet_url(current), {**CONCORDANT, "priors": [prior.pk, stranger.pk]}
    )

    assert refused.status_code == 400
    assert f"exam {stranger.pk} is not a prior" in refused.json()["priors"][0]


def test_a_later_exam_is_not_a_prior(api, first, patient, node):
    middle = patient.exams.get(order=1)
    later = patient.exams.get(order=2)
    earlier = patient.exams.get(order=0)

    refused = api(first).get(sheet_url(middle), {"priors": f"{later.pk},{earlier.pk}"})

    assert refused.status_code == 400
    assert f"exam {later.pk} is not a prior" in refused.json()["priors"][0]


def test_the_sheet_of_an_exam_of_a_patient_not_granted_is_404(api, make_user, node, current):
    outsider = make_user("radiologist")

    assert api(outsider).get(sheet_url(current)).status_code == 404
    assert post(api(outsider), sheet_url(current), CONCORDANT).status_code == 404
    assert not VolumeDiagnosis.objects.exists()


def test_a_second_opinion_or_consensus_on_a_diagnosis_not_visible_is_404(
    api, make_user, discordant
):
    outsider = make_user("radiologist")

    assert post(api(outsider), opinion_url(discordant.pk), {"opinion": "stable"}).status_code == 404
    assert post(api(outsider), consensus_url(discordant.pk), {"text": "x"}).status_code == 404


def test_a_researcher_gets_403_on_every_volume_diagnosis_endpoint(
    api, make_user, patient, discordant, current
):
    researcher = make_user("researcher")
    grant_patient(patient, researcher)
    client = api(researcher)

    assert client.get(sheet_url(current)).status_code == 403
    assert post(client, sheet_url(current), CONCORDANT).status_code == 403
    assert post(client, opinion_url(discordant.pk), {"opinion": "stable"}).status_code == 403
    assert post(client, consensus_url(discordant.pk), {"text": "x"}).status_code == 403


def _refused(sql: str, pk: int) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    except DatabaseError:
        return True
    return False


@pytest.fixture
def closed(first, second, discordant):
    """A diagnosis with a second opinion and a consensus: one row in each new table."""
    diagnoses.record_second_opinion(user=second, diagnosis=discordant, opinion="stable")
    diagnoses.record_consensus(user=first, diagnosis=discordant, text="Uncertain.")
    return discordant


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("grading_volumediagnosis", "comment"),
        ("grading_secondopinion", "comment"),
        ("grading_consensus", "text"),
    ],
)
def test_the_database_refuses_an_sql_update(closed, table, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 (the table names are constants)
        (pk,) = cursor.fetchone()

    assert _refused(f"UPDATE {table} SET {column} = 'changed' WHERE id = %s", pk)  # noqa: S608


@pytest.mark.parametrize(
    "table", ["grading_consensus", "grading_secondopinion", "grading_volumediagnosis"]
)
def test_the_database_refuses_an_sql_delete(closed, table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 (the table names are constants)
        (pk,) = cursor.fetchone()

    assert _refused(f"DELETE FROM {table} WHERE id = %s", pk)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone() == (1,)
