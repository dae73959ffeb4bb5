"""Query parameters and paths the API cannot use are refused before a view reads them, each with
an answer that names the parameter (schemathesis found each of these in tests/contract)."""

import pytest

from tests.reviewer.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user, client_for):
    return client_for(make_user("radiologist"))


def test_an_empty_filter_is_refused_not_read_as_every_value(reader):
    response = reader.get("/api/model-versions/?kind=&target=WT")

    assert response.status_code == 400
    assert list(response.json()) == ["kind"]


def test_an_empty_page_is_refused_not_read_as_the_first(reader):
    assert reader.get("/api/patients/?page=").status_code == 400


def test_a_nul_character_in_a_query_value_is_refused(reader):
    response = reader.get("/api/patients/?q=NR%00")

    assert response.status_code == 400
    assert response.json() == {"q": ["a NUL character is not allowed"]}


def test_a_nul_character_in_a_path_is_no_such_object(reader):
    assert reader.get("/api/cases/NR%00X/viewer/").status_code == 404


def test_a_method_the_view_does_not_answer_is_405_whatever_the_query(reader):
    assert reader.put("/api/model-versions/?kind=").status_code == 405


def test_pages_outside_the_api_keep_their_own_reading_of_an_empty_filter(reader):
    PatientFactory()

    assert reader.get("/worklist/?complete=&has_alarms=").status_code == 200


def test_a_yes_no_filter_refuses_other_words(reader):
    response = reader.get("/api/worklist/?complete=yes")

    assert response.status_code == 400
    assert "complete" in response.json()


def test_a_whole_number_filter_refuses_a_decimal(reader):
    response = reader.get("/api/exams/?order=1.0")

    assert response.status_code == 400
    assert "order" in response.json()


def test_a_refused_filter_value_with_a_percent_sign_is_named_not_a_server_error(reader):
    response = reader.get("/api/patients/?has_alarms=50%25&min_exams=1%25s")

    assert response.status_code == 400
    assert set(response.json()) == {"has_alarms", "min_exams"}
