"""The API does what its OpenAPI schema says: schemathesis generates requests from the schema
(valid and invalid ones, a bounded number per operation) and checks every answer against it.
No answer may be a server error, and every answer's status, content type, headers and body must
be what the schema documents for that operation. The requests run as a radiologist who may see
one glioma patient and as the data steward (tests.contract.api_data); schemathesis also sends
them with no or a wrong token, and the API must refuse those."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.contract.api_data import API_SCHEMA, populated_api

schema = schemathesis.openapi.from_path(API_SCHEMA)
schema.app = get_wsgi_application()
EXAMPLES_PER_OPERATION = 25
_reader = {}  # the current test's token (each test has its own database rows)


@schema.auth(refresh_interval=None)
class ReaderToken:
    def get(self, case, ctx):
        return _reader.get("token", "")

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@pytest.fixture
def in_test_transaction(db):
    """Requests run inside the test's transaction, as Django's test client runs them: the
    handler must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["radiologist", "data steward"])
def reader(request, in_test_transaction):
    """A radiologist, who may see one patient, and the data steward, who may use every
    endpoint (imports, rule versions, threshold sets) and see every patient."""
    data = populated_api()
    _reader["token"] = data.reader_token if request.param == "radiologist" else data.steward_token


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same requests in every run: make test passes or fails alike
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_schema_says(case, reader):
    # Not "every schema-valid request is accepted": rules a schema cannot state (the right
    # password, a lesion of this segmentation, the project's grading scale) answer 400.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


# The viewer's manifest, voxels and flow frames read image files, which the row-only data has
# not: tests/reviewer/viewer checks them on real files. A PACS search reads a PACS:
# tests/pacs checks it against a real Orthanc.
READ_ELSEWHERE = ("/viewer/", "/voxels/", "/flows/", "/pacs/{id}/studies/")
READS_OF_ONE_OBJECT = sorted(
    path
    for path, operations in schema.raw_schema["paths"].items()
    if "get" in operations and "{" in path and not any(part in path for part in READ_ELSEWHERE)
)


@pytest.mark.parametrize("path", READS_OF_ONE_OBJECT)
def test_each_read_of_a_real_object_answers_200_as_its_schema_says(path, in_test_transaction):
    """Generated ids mostly meet nothing (404): here each path reads a real object, as the data
    steward, who may see everything, so that every 200 body is checked against its schema."""
    data = populated_api()
    case = schema[path]["GET"].Case(
        path_parameters=data.path_parameters[path], query=data.query_parameters.get(path)
    )

    response = case.call_and_validate(
        headers={"Authorization": f"Token {data.steward_token}"},
        excluded_checks=[positive_data_acceptance],
    )

    assert response.status_code == 200
