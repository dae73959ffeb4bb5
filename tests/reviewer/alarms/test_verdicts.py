"""Alarm verdicts: a reader marks an alarm a true or a false alarm; verdicts are append-only in the
database, a change of mind supersedes the latest one, a stale form is refused with 409, and only
clinical users who may see the patient judge its alarms."""

import pytest
from django.db import DatabaseError, connection, transaction

from reviewer.alarms import verdicts
from reviewer.alarms.appending import StaleSubmission
from reviewer.alarms.models import Alarm, AlarmVerdict
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import ExamFactory

pytestmark = pytest.mark.django_db


def raise_alarm(exam=None) -> Alarm:
    return Alarm.objects.create(
        exam=exam or ExamFactory(), kind="growth", reason="WT +52 %", evidence={"volume_ml": 3.0}
    )


@pytest.fixture
def alarm():
    return raise_alarm()


@pytest.fixture
def radiologist(make_user, alarm):
    user = make_user("radiologist")
    grant_patient(alarm.exam.patient, user)
    return user


@pytest.fixture
def api(client_for, radiologist):
    return client_for(radiologist)


@pytest.fixture
def verdict(alarm, radiologist):
    return verdicts.record_verdict(user=radiologist, alarm=alarm, true_alarm=True)


def url(alarm) -> str:
    return f"/api/alarms/{alarm.pk}/verdicts/"


def post(api, alarm, body):
    return api.post(url(alarm), body, content_type="application/json")


def refused(sql: str, *params) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_the_database_refuses_an_sql_update_of_a_verdict(verdict):
    assert refused("UPDATE alarms_alarmverdict SET true_alarm = false WHERE id = %s", verdict.pk)
    assert AlarmVerdict.objects.get(pk=verdict.pk).true_alarm is True


def test_the_database_refuses_an_sql_delete_of_a_verdict(verdict):
    assert refused("DELETE FROM alarms_alarmverdict WHERE id = %s", verdict.pk)
    assert AlarmVerdict.objects.filter(pk=verdict.pk).exists()


def test_the_database_refuses_an_orm_update_of_a_verdict(verdict):
    verdict.comment = "changed"

    with pytest.raises(DatabaseError), transaction.atomic():
        verdict.save()
    assert AlarmVerdict.objects.get(pk=verdict.pk).comment == ""


def test_a_reader_marks_an_alarm_a_false_alarm_with_author_and_time(api, alarm, radiologist):
    response = post(api, alarm, {"true_alarm": False, "comment": "oedema from T2 contrast"})

    assert response.status_code == 201
    body = response.json()
    assert (body["true_alarm"], body["reader"], body["alarm"]) == (False, radiologist.pk, alarm.pk)
    assert body["reader_name"] == radiologist.username and body["created_at"]


def test_the_latest_verdict_is_kept_with_the_alarm(api, alarm, verdict):
    post(api, alarm, {"true_alarm": False, "supersedes": verdict.pk})

    shown = api.get(f"/api/alarms/{alarm.pk}/").json()

    assert shown["verdict"]["true_alarm"] is False
    assert shown["verdict"]["supersedes"] == verdict.pk


def test_a_change_of_mind_supersedes_and_both_stay_in_the_history_newest_first(api, alarm, verdict):
    changed = post(api, alarm, {"true_alarm": False, "supersedes": verdict.pk})

    history = api.get(url(alarm)).json()

    assert changed.status_code == 201
    assert [row["id"] for row in history] == [changed.json()["id"], verdict.pk]


def test_a_second_verdict_superseding_the_same_one_is_refused_with_409(api, alarm, verdict):
    accepted = post(api, alarm, {"true_alarm": False, "supersedes": verdict.pk})

    stale = post(api, alarm, {"true_alarm": True, "supersedes": verdict.pk})

    assert accepted.status_code == 201 and stale.status_code == 409
    assert "reload" in stale.json()["detail"]
    assert AlarmVerdict.objects.filter(alarm=alarm).count() == 2


def test_a_first_verdict_given_after_someone_elses_is_refused_with_409(api, alarm, verdict):
    stale = post(api, alarm, {"true_alarm": False})

    assert stale.status_code == 409
    assert list(AlarmVerdict.objects.filter(alarm=alarm)) == [verdict]


def test_the_service_refuses_a_first_verdict_given_after_someone_elses(alarm, verdict, make_user):
    with pytest.raises(StaleSubmission):
        verdicts.record_verdict(user=make_user("qa_admin"), alarm=alarm, true_alarm=False)


def test_a_form_without_true_alarm_is_400_naming_the_field(client_for, radiologist, alarm):
    response = client_for(radiologist).post(url(alarm), {"comment": "forgot"})  # a form post

    assert response.status_code == 400
    assert "true_alarm" in response.json()
    assert not AlarmVerdict.objects.exists()


def test_superseding_a_verdict_of_another_alarm_is_400_naming_it(api, alarm, make_user):
    other = raise_alarm(ExamFactory(patient=alarm.exam.patient))
    foreign = verdicts.record_verdict(user=make_user("qa_admin"), alarm=other, true_alarm=True)

    response = post(api, alarm, {"true_alarm": True, "supersedes": foreign.pk})

    assert response.status_code == 400
    assert f"{foreign.pk} is not a verdict of alarm {alarm.pk}" in response.json()["supersedes"][0]


def test_judging_an_alarm_of_a_patient_not_granted_is_404(make_user, client_for):
    hidden = raise_alarm()
    api = client_for(make_user("radiologist"))

    assert post(api, hidden, {"true_alarm": True}).status_code == 404
    assert api.get(url(hidden)).status_code == 404
    assert not AlarmVerdict.objects.exists()


def test_an_unknown_alarm_is_404(api):
    assert api.get("/api/alarms/999999/verdicts/").status_code == 404


def test_a_researcher_gets_403_even_when_granted(make_user, client_for, alarm):
    researcher = make_user("researcher")
    grant_patient(alarm.exam.patient, researcher)
    api = client_for(researcher)

    assert post(api, alarm, {"true_alarm": True}).status_code == 403
    assert api.get(url(alarm)).status_code == 403


def test_an_anonymous_user_gets_403(client, alarm):
    assert client.get(url(alarm)).status_code == 403
