"""Pages answer malformed query parameters and paths with their own reading or a 4xx, never a
server error (issue 13: `?exam=²` on the viewer was a 500). The API is checked by schemathesis
(tests/contract); these are the pages a browser opens."""

import pytest

from tests.reviewer.factories import patient_with_exams

pytestmark = pytest.mark.django_db

MALFORMED_QUERIES = [
    "page=abc",
    "page=0",
    "page=99999",
    "page=-1",
    "ordering=%00",
    "ordering=-nothing",
    "q=%00",
    "q=%25s%25d",
    "min_exams=1.5",
    "min_exams=%25",
    "complete=maybe",
    "has_alarms=%00",
    "review=%ff",
    "exam=%C2%B2",
    "exam=-1",
    "exam=99999999999999999999",
    "priors=x",
    "state=%00",
]
PAGES = [
    "/",
    "/worklist/",
    "/imports/",
    "/exports/",
    "/quality/",
    "/health/",
    "/cases/{pseudonym}/",
    "/cases/{pseudonym}/viewer/",
]
MALFORMED_PATHS = [
    "/cases/NR%00X/",
    "/cases/NR%00X/viewer/",
    "/cases/%ff%fe/",
    "/imports/99999999999999999999/",
    "/inference/99999999999999999999/",
]


@pytest.fixture
def steward(make_user, client_for):
    """The data steward sees every page and every patient: no refusal hides a server error."""
    return client_for(make_user("admin"))


@pytest.fixture
def pseudonym(db):
    return patient_with_exams(exams=2).pseudonym


@pytest.fixture
def no_worker_wait(monkeypatch):
    """No worker runs here: each health page would wait out its probes' timeout (5 s a queue,
    over two minutes for the queries below). What is checked is the answer to the query."""
    monkeypatch.setattr("reviewer.core.health.WORKER_TIMEOUT_S", 0.2)


@pytest.mark.parametrize("page", PAGES)
def test_pages_answer_malformed_queries_without_a_server_error(
    steward, pseudonym, page, no_worker_wait
):
    answers = {
        query: steward.get(f"{page.format(pseudonym=pseudonym)}?{query}").status_code
        for query in MALFORMED_QUERIES
    }

    assert {query: code for query, code in answers.items() if code >= 500} == {}


@pytest.mark.parametrize("path", MALFORMED_PATHS)
def test_malformed_paths_are_no_such_page(steward, path):
    assert steward.get(path).status_code == 404
