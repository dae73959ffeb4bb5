"""The clinical rules' configuration: versioned and append-only, read by readers, changed by QA
admins through the API or the admin (each change the next version, with who and why), a change
based on a superseded version refused, bad values refused naming the field, and every patient's
alarms evaluated again after a change."""

import pytest
from django.db import DatabaseError, connection, transaction

from reviewer.alarms import tasks
from reviewer.alarms.models import Alarm, RuleConfiguration
from tests.reviewer.alarms.builders import tumour
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db

RULES = "/api/alarms/rules/"


@pytest.fixture
def qa_admin(make_user):
    return make_user("qa_admin")


@pytest.fixture
def api(client_for, qa_admin):
    return client_for(qa_admin)


def publish(api, **body):
    return api.post(
        RULES, {"based_on": 1, "note": "fewer false alarms", **body}, "application/json"
    )


def test_version_1_holds_the_defaults_of_the_spec(client_for, make_user):
    current = client_for(make_user("radiologist")).get(f"{RULES}current/").json()

    assert current["version"] == 1
    assert (current["growth_percent"], current["growth_region"]) == (40.0, "WT")
    assert current["new_lesion_minimum_mm3"] == 12.0
    assert (current["haemorrhage_ml"], current["haemorrhage_percent"]) == (6.0, 33.0)


def test_a_qa_admin_publishes_the_next_version_with_who_and_why(api, qa_admin):
    response = publish(api, growth_percent=30.0)

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["growth_percent"]) == (2, 30.0)
    assert body["created_by_name"] == qa_admin.username and body["note"] == "fewer false alarms"
    assert RuleConfiguration.objects.current().version == 2


def test_parameters_not_given_are_those_of_the_version_edited(api):
    publish(api, growth_percent=30.0, ensemble_alpha={"WT": {"dice": 0.2}})

    current = RuleConfiguration.objects.current()

    assert current.new_lesion_minimum_mm3 == 12.0 and current.many_components_count == 50
    assert current.alpha("WT", "dice") == 0.2 and current.alpha("WT", "hausdorff") == 0.1


def test_the_history_lists_every_version_newest_first(api):
    publish(api, growth_percent=30.0)

    history = api.get(RULES).json()

    assert [row["version"] for row in history] == [2, 1]


def test_a_change_based_on_a_superseded_version_is_refused_with_409(api):
    first = publish(api, growth_percent=30.0)

    stale = publish(api, growth_percent=50.0)

    assert first.status_code == 201 and stale.status_code == 409
    assert "version 2 is current" in stale.json()["detail"]
    assert RuleConfiguration.objects.current().growth_percent == 30.0


def test_publishing_evaluates_every_patients_alarms_again_after_the_commit(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        publish(api, growth_percent=30.0)

    queued = [c.__self__.task for c in callbacks if hasattr(c, "__self__")]
    assert queued == ["reviewer.alarms.tasks.reevaluate_clinical_alarms"]


def test_evaluating_again_applies_the_new_version(api):
    patient = PatientFactory(disease="glioma")
    tumour(ExamFactory(patient=patient, order=0), 10.0)
    tumour(ExamFactory(patient=patient, order=1), 15.0)  # +50 %
    tasks.reevaluate_clinical_alarms()
    assert Alarm.objects.open().count() == 1
    publish(api, growth_percent=60.0)

    tasks.reevaluate_clinical_alarms()

    assert not Alarm.objects.open().exists()


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("growth_percent", 0, "more than 0"),
        ("haemorrhage_ml", -6, "more than 0"),
        ("many_components_count", 0, "greater than or equal to 1"),
        ("growth_region", "XX", "not a valid choice"),
        ("ensemble_alpha", {"XX": {"dice": 0.1}}, "'XX' is not a target"),
        ("ensemble_alpha", {"WT": {"dice": "high"}}, "α must be a number"),
        ("haemorrhage_diseases", ["flu"], "a list of diseases"),
    ],
)
def test_a_bad_value_is_400_naming_the_field_and_stores_nothing(api, field, value, said):
    response = publish(api, **{field: value})

    assert response.status_code == 400
    assert said in str(response.json()[field])
    assert RuleConfiguration.objects.count() == 1


@pytest.mark.parametrize("missing", ["based_on", "note"])
def test_a_change_without_its_version_or_reason_is_400(api, missing):
    body = {"based_on": 1, "note": "why", "growth_percent": 30.0}
    del body[missing]

    response = api.post(RULES, body, "application/json")

    assert response.status_code == 400 and missing in response.json()


def test_a_radiologist_reads_the_rules_but_may_not_change_them(client_for, make_user):
    api = client_for(make_user("radiologist"))

    assert api.get(RULES).status_code == 200
    assert publish(api, growth_percent=30.0).status_code == 403
    assert RuleConfiguration.objects.count() == 1


def test_a_researcher_may_not_read_the_rules(client_for, make_user):
    assert client_for(make_user("researcher")).get(f"{RULES}current/").status_code == 403


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE alarms_ruleconfiguration SET growth_percent = 10",
        "DELETE FROM alarms_ruleconfiguration",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_version(sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    assert RuleConfiguration.objects.get().growth_percent == 40.0


def admin_form(**changes) -> dict:
    form = {
        "growth_enabled": "on", "growth_percent": "40", "growth_region": "WT",
        "growth_minimum_ml": "1", "new_activity_enabled": "on", "new_lesion_minimum_mm3": "12",
        "haemorrhage_enabled": "on", "haemorrhage_ml": "6", "haemorrhage_percent": "33",
        "haemorrhage_diseases": "[]", "many_components_enabled": "on",
        "many_components_count": "50", "ensemble_alpha": "{}", "note": "from the admin",
        "based_on": "1",
    }  # fmt: skip
    return {**form, **changes}


def test_saving_the_admins_form_stores_the_next_version(client_for, qa_admin):
    response = client_for(qa_admin).post(
        "/admin/alarms/ruleconfiguration/add/", admin_form(growth_percent="35")
    )

    assert response.status_code == 302
    current = RuleConfiguration.objects.current()
    assert (current.version, current.growth_percent, current.created_by) == (2, 35.0, qa_admin)


def test_the_admins_form_based_on_a_superseded_version_is_refused(api, client_for, qa_admin):
    publish(api, growth_percent=30.0)

    response = client_for(qa_admin).post("/admin/alarms/ruleconfiguration/add/", admin_form())

    assert response.status_code == 200 and "Someone changed the rules meanwhile" in (
        response.content.decode()
    )
    assert RuleConfiguration.objects.count() == 2


def test_the_admins_form_starts_from_the_current_version(api, client_for, qa_admin):
    publish(api, growth_percent=30.0, note="tuned")

    page = client_for(qa_admin).get("/admin/alarms/ruleconfiguration/add/").content.decode()

    assert 'name="growth_percent" value="30.0"' in page
    assert 'name="based_on" value="2"' in page


@pytest.mark.parametrize(
    "page", ["ruleconfiguration/1/change/", "alarm/", "alarmverdict/", "thresholdset/"]
)
def test_a_qa_admin_reads_the_alarm_pages_of_the_admin(client_for, qa_admin, page):
    assert client_for(qa_admin).get(f"/admin/alarms/{page}").status_code == 200


def test_a_version_cannot_be_changed_in_the_admin(client_for, qa_admin):
    response = client_for(qa_admin).post(
        "/admin/alarms/ruleconfiguration/1/change/", admin_form(growth_percent="10")
    )

    assert response.status_code == 403
    assert RuleConfiguration.objects.get().growth_percent == 40.0
