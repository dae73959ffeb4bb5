"""Grading: assessments and lesion verdicts are append-only in the database, a regrade supersedes
and keeps the history, a stale submission is refused with 409, and only clinical users who may
see the patient grade its segmentations; the grading panel gives the scale to grade on, the
region volumes and the component counts."""

import pytest
from django.db import DatabaseError, connection, transaction

from reviewer.cases.permissions import grant_patient
from reviewer.grading import services
from reviewer.grading.checks import grading_scale_exists
from reviewer.grading.models import Assessment, LesionVerdict
from tests.reviewer.factories import ExamFactory
from tests.reviewer.viewer.viewer_builders import lesion_map, stored_segmentation
from tests.reviewer.worklist.builders import composite

pytestmark = pytest.mark.django_db

LESION = (slice(3, 6), slice(3, 6), slice(2, 4))
OTHER = (slice(8, 10), slice(7, 9), slice(5, 7))


@pytest.fixture
def segmentation():
    return stored_segmentation(ExamFactory(), lesion_map(LESION, OTHER))


@pytest.fixture
def radiologist(make_user, segmentation):
    user = make_user("radiologist")
    grant_patient(segmentation.exam.patient, user)
    return user


@pytest.fixture
def api(client_for, radiologist):
    return client_for(radiologist)


def assessments_url(segmentation) -> str:
    return f"/api/segmentations/{segmentation.pk}/assessments/"


def verdicts_url(segmentation) -> str:
    return f"/api/segmentations/{segmentation.pk}/verdicts/"


@pytest.fixture
def assessment(segmentation, radiologist):
    return services.record_assessment(
        user=radiologist, segmentation=segmentation, acceptable=True, grade=4
    )


@pytest.fixture
def verdict(segmentation, radiologist):
    return services.record_verdict(
        user=radiologist,
        segmentation=segmentation,
        decision="accepted",
        lesion=segmentation.lesions.first(),
    )


def refused(statement) -> bool:
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return True
    return False


def test_the_database_refuses_an_sql_update_of_an_assessment(assessment):
    def update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE grading_assessment SET grade = 1 WHERE id = %s", [assessment.pk])

    assert refused(update)
    assert Assessment.objects.get(pk=assessment.pk).grade == 4


def test_the_database_refuses_an_sql_delete_of_an_assessment(assessment):
    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM grading_assessment WHERE id = %s", [assessment.pk])

    assert refused(delete)
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_the_database_refuses_an_orm_update_and_delete_of_an_assessment(assessment):
    assert refused(lambda: Assessment.objects.filter(pk=assessment.pk).update(grade=1))
    assert refused(lambda: Assessment.objects.filter(pk=assessment.pk).delete())
    assessment.comment = "changed"
    assert refused(assessment.save)
    assert Assessment.objects.get(pk=assessment.pk).comment == ""


def test_the_database_refuses_an_sql_update_and_delete_of_a_verdict(verdict):
    def run(sql):
        def statement():
            with connection.cursor() as cursor:
                cursor.execute(sql, [verdict.pk])

        return statement

    assert refused(run("UPDATE grading_lesionverdict SET decision = 'rejected' WHERE id = %s"))
    assert refused(run("DELETE FROM grading_lesionverdict WHERE id = %s"))
    assert LesionVerdict.objects.get(pk=verdict.pk).decision == "accepted"


def test_the_database_refuses_an_orm_update_and_delete_of_a_verdict(verdict):
    assert refused(lambda: LesionVerdict.objects.filter(pk=verdict.pk).update(decision="rejected"))
    assert refused(lambda: LesionVerdict.objects.filter(pk=verdict.pk).delete())
    assert LesionVerdict.objects.filter(pk=verdict.pk, decision="accepted").exists()


def test_a_regrade_supersedes_and_both_stay_in_the_history_newest_first(api, segmentation):
    first = api.post(assessments_url(segmentation), {"acceptable": True, "grade": 4})
    second = api.post(
        assessments_url(segmentation),
        {"acceptable": False, "grade": 2, "supersedes": first.json()["id"]},
    )

    history = api.get(assessments_url(segmentation)).json()

    assert first.status_code == 201 and second.status_code == 201
    assert [row["id"] for row in history] == [second.json()["id"], first.json()["id"]]
    assert history[0]["supersedes"] == first.json()["id"]
    assert history[0]["reader_name"] and history[0]["created_at"]


def test_a_second_submission_superseding_the_same_assessment_is_refused_with_409(
    api, segmentation, assessment
):
    based_on = {"acceptable": True, "grade": 5, "supersedes": assessment.pk}
    accepted = api.post(assessments_url(segmentation), based_on)

    stale = api.post(assessments_url(segmentation), {**based_on, "grade": 3})

    assert accepted.status_code == 201
    assert stale.status_code == 409
    assert "reload" in stale.json()["detail"]
    history = api.get(assessments_url(segmentation)).json()
    assert {row["id"] for row in history} == {assessment.pk, accepted.json()["id"]}


def test_an_out_of_range_grade_is_400_naming_the_field(api, segmentation):
    response = api.post(assessments_url(segmentation), {"acceptable": True, "grade": 6})

    assert response.status_code == 400
    assert "grade" in response.json()
    assert not Assessment.objects.exists()


def test_the_four_level_scale_stores_its_level_apart_from_the_ease_grade(
    api, segmentation, settings
):
    settings.NEUROREVIEW_GRADING_SCALE = "four_level"
    response = api.post(assessments_url(segmentation), {"acceptable": True, "four_level": 3})

    assert response.status_code == 201
    assert response.json()["scale"] == "four_level"
    assert response.json()["four_level"] == 3 and response.json()["grade"] is None


def test_grading_a_segmentation_of_a_patient_not_granted_is_404(make_user, client_for):
    hidden = stored_segmentation(ExamFactory(), lesion_map(LESION))
    api = client_for(make_user("radiologist"))

    assert api.post(assessments_url(hidden), {"acceptable": True, "grade": 4}).status_code == 404
    assert api.get(assessments_url(hidden)).status_code == 404
    assert api.get(verdicts_url(hidden)).status_code == 404


def test_a_researcher_gets_403(make_user, client_for, segmentation):
    researcher = make_user("researcher")
    grant_patient(segmentation.exam.patient, researcher)
    api = client_for(researcher)

    assert (
        api.post(assessments_url(segmentation), {"acceptable": True, "grade": 4}).status_code == 403
    )
    assert api.get(verdicts_url(segmentation)).status_code == 403


def test_a_verdict_on_a_lesion_of_another_segmentation_is_400_naming_it(
    api, segmentation, radiologist
):
    other = stored_segmentation(ExamFactory(patient=segmentation.exam.patient), lesion_map(LESION))
    foreign = other.lesions.get()

    response = api.post(
        verdicts_url(segmentation),
        {"decision": "accepted", "lesion": foreign.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert str(foreign.pk) in response.json()["lesion"][0]
    assert str(segmentation.pk) in response.json()["lesion"][0]


def test_the_service_refuses_a_verdict_on_a_lesion_of_another_segmentation(
    segmentation, radiologist
):
    other = stored_segmentation(ExamFactory(), lesion_map(LESION))

    with pytest.raises(services.GradingError, match=f"lesion {other.lesions.get().pk}"):
        services.record_verdict(
            user=radiologist,
            segmentation=segmentation,
            decision="rejected",
            lesion=other.lesions.get(),
        )


def test_an_added_verdict_needs_a_centre(api, segmentation):
    missing = api.post(verdicts_url(segmentation), {"decision": "added"})
    added = api.post(
        verdicts_url(segmentation),
        {"decision": "added", "centre_mm": [1.5, -2.0, 4.0]},
        content_type="application/json",
    )

    assert missing.status_code == 400 and "centre_mm" in missing.json()
    assert added.status_code == 201
    assert added.json()["lesion"] is None and added.json()["centre_mm"] == [1.5, -2.0, 4.0]


def test_a_second_verdict_superseding_the_same_verdict_is_refused_with_409(
    api, segmentation, verdict
):
    based_on = {"decision": "rejected", "lesion": verdict.lesion_id, "supersedes": verdict.pk}
    accepted = api.post(verdicts_url(segmentation), based_on, content_type="application/json")

    stale = api.post(verdicts_url(segmentation), based_on, content_type="application/json")

    assert accepted.status_code == 201 and stale.status_code == 409
    assert len(api.get(verdicts_url(segmentation)).json()) == 2


def test_a_first_grade_given_after_someone_graded_meanwhile_is_refused_with_409(
    api, segmentation, assessment
):
    unaware = api.post(assessments_url(segmentation), {"acceptable": False, "grade": 2})

    assert unaware.status_code == 409
    assert "reload" in unaware.json()["detail"]
    assert [row["id"] for row in api.get(assessments_url(segmentation)).json()] == [assessment.pk]


def test_a_first_verdict_given_after_someone_judged_the_lesion_meanwhile_is_refused_with_409(
    api, segmentation, verdict
):
    unaware = api.post(
        verdicts_url(segmentation),
        {"decision": "rejected", "lesion": verdict.lesion_id},
        content_type="application/json",
    )

    assert unaware.status_code == 409
    assert len(api.get(verdicts_url(segmentation)).json()) == 1


def test_a_withdrawal_takes_back_a_first_verdict_and_the_lesion_can_be_judged_again(
    api, segmentation, verdict
):
    withdrawal = api.post(
        verdicts_url(segmentation),
        {"decision": "withdrawn", "supersedes": verdict.pk},
        content_type="application/json",
    )
    again = api.post(
        verdicts_url(segmentation),
        {
            "decision": "rejected",
            "lesion": verdict.lesion_id,
            "supersedes": withdrawal.json()["id"],
        },
        content_type="application/json",
    )

    assert withdrawal.status_code == 201, withdrawal.json()
    assert withdrawal.json()["lesion"] == verdict.lesion_id
    assert again.status_code == 201
    assert [row["decision"] for row in api.get(verdicts_url(segmentation)).json()] == [
        "rejected",
        "withdrawn",
        "accepted",
    ]


def test_a_withdrawal_takes_back_an_added_lesion(api, segmentation):
    added = api.post(
        verdicts_url(segmentation),
        {"decision": "added", "centre_mm": [1.0, 2.0, 3.0]},
        content_type="application/json",
    ).json()

    withdrawal = api.post(
        verdicts_url(segmentation),
        {"decision": "withdrawn", "supersedes": added["id"]},
        content_type="application/json",
    )

    assert withdrawal.status_code == 201
    assert withdrawal.json()["lesion"] is None and withdrawal.json()["centre_mm"] is None


def test_a_withdrawal_without_the_verdict_it_takes_back_is_400_naming_supersedes(api, segmentation):
    response = api.post(
        verdicts_url(segmentation),
        {"decision": "withdrawn", "lesion": segmentation.lesions.first().pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "supersedes" in response.json()


def test_a_verdict_superseding_a_verdict_on_another_lesion_is_400_naming_supersedes(
    api, segmentation, verdict
):
    other = segmentation.lesions.exclude(pk=verdict.lesion_id).first()

    response = api.post(
        verdicts_url(segmentation),
        {"decision": "rejected", "lesion": other.pk, "supersedes": verdict.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "supersedes" in response.json()


def grading_url(segmentation) -> str:
    return f"/api/segmentations/{segmentation.pk}/grading/"


def test_an_assessment_keeps_the_reading_time_the_viewer_measured(api, segmentation):
    response = api.post(
        assessments_url(segmentation), {"acceptable": True, "grade": 4, "reading_time_ms": 41250}
    )

    assert response.status_code == 201
    assert Assessment.objects.get().reading_time_ms == 41250


def test_a_four_level_grade_in_an_ease_project_is_400_naming_four_level(api, segmentation):
    response = api.post(assessments_url(segmentation), {"acceptable": True, "four_level": 3})

    assert response.status_code == 400
    assert "give grade" in response.json()["four_level"][0]
    assert not Assessment.objects.exists()


def test_an_added_lesion_keeps_its_rough_radius(api, segmentation):
    response = api.post(
        verdicts_url(segmentation),
        {"decision": "added", "centre_mm": [1.0, 2.0, 3.0], "radius_mm": 4.5},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["radius_mm"] == 4.5


def test_a_radius_on_a_judged_lesion_is_400_naming_radius_mm(api, segmentation):
    response = api.post(
        verdicts_url(segmentation),
        {"decision": "accepted", "lesion": segmentation.lesions.first().pk, "radius_mm": 4.5},
        content_type="application/json",
    )

    assert response.status_code == 400 and "radius_mm" in response.json()
    assert not LesionVerdict.objects.exists()


def test_the_database_refuses_a_radius_on_a_judged_lesion(verdict):
    assert refused(
        lambda: LesionVerdict.objects.create(
            segmentation=verdict.segmentation,
            reader=verdict.reader,
            decision="rejected",
            lesion=verdict.lesion,
            radius_mm=3.0,
        )
    )


def test_the_grading_panel_gives_the_region_volumes_and_lesion_counts(make_user, client_for):
    exam = ExamFactory()
    shown = composite(
        exam,
        {"enhancing": 2000, "necrosis": 500, "oedema": 7500},
        below=[{"oedema": 20}],
        minimum_ml=0.1,
    )

    panel = client_for(make_user("qa_admin")).get(grading_url(shown)).json()

    assert {r["region"]: r["volume_ml"] for r in panel["regions"]} == {
        "necrosis": 0.5,
        "oedema": 7.52,
        "enhancing": 2.0,
        "TC": 2.5,
        "WT": 10.02,
    }
    assert (panel["listed_lesions"], panel["below_minimum_lesions"]) == (1, 1)
    assert panel["minimum_lesion_ml"] == 0.1


def test_the_grading_panel_names_the_ease_scale_by_default(api, segmentation):
    scale = api.get(grading_url(segmentation)).json()["scale"]

    assert (scale["scale"], scale["field"]) == ("ease", "grade")
    assert [(level["value"], level["label"]) for level in scale["levels"]] == [
        (5, "Perfect"),
        (4, "Good"),
        (3, "Fair"),
        (2, "Poor"),
        (1, "Terrible"),
    ]


def test_the_four_level_scale_gives_both_numberings_and_its_criteria(api, segmentation, settings):
    settings.NEUROREVIEW_GRADING_SCALE = "four_level"

    scale = api.get(grading_url(segmentation)).json()["scale"]

    assert scale["field"] == "four_level"
    assert [
        (lv["roman"], lv["value"], lv["methods_score"], lv["table5_score"])
        for lv in scale["levels"]
    ] == [("I", 4, 4, 3), ("II", 3, 3, 2), ("III", 2, 2, 1), ("IV", 1, 1, 0)]
    assert scale["levels"][1]["criteria"]["medium"] == "<2 missed lesions and <5% mismatch"


def test_an_unknown_grading_scale_setting_fails_the_start_up_check(settings):
    settings.NEUROREVIEW_GRADING_SCALE = "stars"

    (error,) = grading_scale_exists(None)

    assert error.id == "grading.E001" and "'stars'" in error.msg


def test_the_grading_panel_of_a_patient_not_granted_is_404(make_user, client_for):
    hidden = stored_segmentation(ExamFactory(), lesion_map(LESION))

    assert client_for(make_user("radiologist")).get(grading_url(hidden)).status_code == 404


def test_the_grading_panel_is_403_for_a_researcher(make_user, client_for, segmentation):
    researcher = make_user("researcher")
    grant_patient(segmentation.exam.patient, researcher)

    assert client_for(researcher).get(grading_url(segmentation)).status_code == 403


def test_a_replaced_composite_is_history_and_grading_it_is_400_naming_its_successor(
    make_user, client_for
):
    exam = ExamFactory()
    replaced = composite(exam, {"oedema": 100})
    successor = composite(exam, {"oedema": 120}, replaces=replaced)
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)

    response = client_for(reader).post(assessments_url(replaced), {"acceptable": True, "grade": 4})

    assert response.status_code == 400
    assert f"review segmentation {successor.pk}" in str(response.json())
    assert not Assessment.objects.exists()


def test_the_lesions_of_a_replaced_composite_take_no_new_verdict(make_user):
    exam = ExamFactory()
    replaced = composite(exam, {"oedema": 100})
    composite(exam, {"oedema": 120}, replaces=replaced)

    with pytest.raises(services.GradingError, match="was replaced by segmentation"):
        services.record_verdict(
            user=make_user("radiologist"),
            segmentation=replaced,
            decision="accepted",
            lesion=replaced.lesions.get(index=1),
        )
