"""What the database itself refuses (migration studies 0002), through the ORM and raw SQL
alike: a published or answered survey version never changes and is never deleted, a draft
may; a response is append-only; a response answers only a published version of its own
survey."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from reviewer.studies import surveys
from reviewer.studies.models import SurveyResponse, SurveyVersion
from tests.reviewer.factories import PatientFactory
from tests.reviewer.studies.test_surveys import COMPLETE, EVERY_TYPE


def refused(statement) -> bool:
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return True
    return False


def sql(statement: str, *parameters):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, list(parameters))

    return run


@pytest.fixture
def survey(make_user):
    return surveys.create_survey(name="Sealed", user=make_user("researcher"))


@pytest.fixture
def published(survey):
    return surveys.add_version(survey=survey, definition=EVERY_TYPE, user=None, publish=True)


@pytest.fixture
def draft(survey):
    return surveys.add_version(survey=survey, definition=EVERY_TYPE, user=None)


@pytest.fixture
def response(published, make_user):
    return surveys.respond(
        version=published,
        respondent=make_user("radiologist"),
        subject=PatientFactory(),
        answers=COMPLETE,
    )


def test_the_database_refuses_an_sql_update_of_a_published_definition(published):
    assert refused(
        sql("UPDATE studies_surveyversion SET definition = '{}' WHERE id = %s", published.pk)
    )
    published.refresh_from_db()
    assert published.definition == EVERY_TYPE


def test_the_database_refuses_an_sql_delete_of_a_published_version(published):
    assert refused(sql("DELETE FROM studies_surveyversion WHERE id = %s", published.pk))
    assert SurveyVersion.objects.filter(pk=published.pk).exists()


def test_the_database_refuses_an_orm_change_of_a_published_version(published):
    published.note = "changed"
    assert refused(published.save)
    assert refused(lambda: SurveyVersion.objects.filter(pk=published.pk).update(published_at=None))
    assert refused(lambda: SurveyVersion.objects.filter(pk=published.pk).delete())


def test_a_draft_may_change_and_be_published(draft):
    draft.note = "reworded"
    draft.save()
    surveys.publish(draft)

    draft.refresh_from_db()
    assert draft.note == "reworded" and draft.published_at is not None


def test_a_draft_may_be_deleted(draft):
    draft.delete()

    assert not SurveyVersion.objects.filter(pk=draft.pk).exists()


def test_the_database_refuses_a_change_of_an_answered_version(response):
    # A response can only answer a published version; were it unpublished by hand, the
    # answers would still seal it. Neither step is allowed.
    assert refused(
        sql(
            "UPDATE studies_surveyversion SET published_at = NULL WHERE id = %s",
            response.version_id,
        )
    )


def test_the_database_refuses_an_sql_update_of_a_response(response):
    assert refused(
        sql("UPDATE studies_surveyresponse SET answers = '{}' WHERE id = %s", response.pk)
    )
    response.refresh_from_db()
    assert response.answers == COMPLETE


def test_the_database_refuses_an_sql_delete_of_a_response(response):
    assert refused(sql("DELETE FROM studies_surveyresponse WHERE id = %s", response.pk))
    assert SurveyResponse.objects.filter(pk=response.pk).exists()


def test_the_database_refuses_an_orm_update_and_delete_of_a_response(response):
    response.answers = {}
    assert refused(response.save)
    assert refused(lambda: SurveyResponse.objects.filter(pk=response.pk).update(answers={}))
    assert refused(lambda: SurveyResponse.objects.filter(pk=response.pk).delete())


def test_the_database_refuses_a_response_to_a_draft(draft, make_user):
    assert refused(
        lambda: SurveyResponse.objects.create(
            survey=draft.survey,
            version=draft,
            respondent=make_user("radiologist"),
            patient=PatientFactory(),
            answers=COMPLETE,
        )
    )


def test_the_database_refuses_a_response_filed_under_another_survey(published, make_user):
    other = surveys.create_survey(name="Other", user=None)

    assert refused(
        lambda: SurveyResponse.objects.create(
            survey=other,
            version=published,
            respondent=make_user("radiologist"),
            patient=PatientFactory(),
            answers=COMPLETE,
        )
    )


def test_a_response_is_about_exactly_one_subject(published, make_user):
    patient = PatientFactory()
    fields = {"survey": published.survey, "version": published, "answers": COMPLETE}
    reader = make_user("radiologist")

    assert refused(lambda: SurveyResponse.objects.create(respondent=reader, **fields))
    assert refused(
        lambda: SurveyResponse.objects.create(
            respondent=reader, patient=patient, exam=patient.exams.create(order=0), **fields
        )
    )


def test_publishing_a_draft_seals_it(draft):
    SurveyVersion.objects.filter(pk=draft.pk).update(published_at=timezone.now())

    assert refused(sql("UPDATE studies_surveyversion SET note = 'x' WHERE id = %s", draft.pk))
