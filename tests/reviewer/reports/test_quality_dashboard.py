"""The QA dashboard: acceptance and grades per model version in the shape of EASE's Tables 2 and
4, lesion verdicts per region, on a small cohort whose figures are worked out by hand below;
the page and its endpoint answer QA admins only."""

import pytest

from reviewer.alarms.models import Alarm
from reviewer.alarms.verdicts import record_verdict
from reviewer.cases.permissions import grant_patient
from tests.reviewer.factories import patient_with_exams
from tests.reviewer.worklist.builders import (
    add_missed,
    composite,
    grade,
    judge,
    model_version,
    segmentation,
)

pytestmark = pytest.mark.django_db

URL = "/api/reports/quality/"
PAGE = "/quality/"


@pytest.fixture
def qa_admin(make_user):
    return make_user("qa_admin", username="qa")


@pytest.fixture
def cohort(make_user, settings):
    """Four NODE maps, two U-Net maps and a reference, graded by one reader:

    NODE: 4 (acceptable), 5 (acceptable; it superseded a 2, unacceptable), 2 (unacceptable),
          3 (acceptable), and one map nobody graded
          -> ACCEPTABLE 3 (75 %), UNACCEPTABLE 1 (25 %), Perfect, Good, Fair, Poor 1 (25 %) each,
             Terrible 0 (0 %)
    U-Net: 1 (unacceptable), four-level 3 (acceptable)
          -> ACCEPTABLE 1 (50 %), UNACCEPTABLE 1 (50 %), Terrible 1 of 1 EASE grade (100 %),
             minor revision 1 of 1 four-level grade (100 %)
    Reference: graded 5, and no AI: not counted.

    Lesions of the first NODE map: enhancing accepted; oedema rejected; oedema accepted, then
    rejected (counts once, rejected); one missed lesion added.
    -> NODE enhancing 1/1 accepted (100 %), oedema 0 of 2 (0 %), 1 added
    """
    reader = make_user("radiologist")
    one = patient_with_exams(exams=3, pseudonym="NR-ONE")
    two = patient_with_exams(exams=3, pseudonym="NR-TWO")
    a, b, c = one.exams.order_by("order")
    d, e, f = two.exams.order_by("order")
    tumour = {"enhancing": 300, "oedema": 100}
    oedema = {"oedema": 200}
    node = [composite(x, tumour, oedema, oedema) for x in (a, b, c, d)]
    composite(e, tumour)  # never graded
    unet = [composite(x, tumour, family="unet") for x in (a, b)]

    grade(node[0], reader, acceptable=True, grade=4)
    earlier = grade(node[1], reader, acceptable=False, grade=2)
    grade(node[1], reader, acceptable=True, grade=5, supersedes=earlier)
    grade(node[2], reader, acceptable=False, grade=2)
    grade(node[3], reader, acceptable=True, grade=3)
    grade(unet[0], reader, acceptable=False, grade=1)
    settings.NEUROREVIEW_GRADING_SCALE = "four_level"  # as if the project had switched scales
    grade(unet[1], reader, acceptable=True, grade=None, four_level=3)
    settings.NEUROREVIEW_GRADING_SCALE = "ease"
    grade(segmentation(f, tumour, source="reference"), reader, acceptable=True, grade=5)

    judge(node[0], reader, 1, "accepted")
    judge(node[0], reader, 2, "rejected")
    changed = judge(node[0], reader, 3, "accepted")
    judge(node[0], reader, 3, "rejected", supersedes=changed)
    add_missed(node[0], reader)
    return reader


def shares(version: dict) -> dict[str, tuple[int, float | None]]:
    return {row["label"]: (row["count"], row["percent"]) for row in version["rows"]}


def test_grading_per_model_version_has_the_shape_of_ease_tables_2_and_4(
    cohort, qa_admin, client_for
):
    grading = client_for(qa_admin).get(URL).json()["grading"]

    node, unet = grading
    assert (node["model_version"], node["assessed"]) == ("Neural ODE", 4)
    assert shares(node) == {
        "ACCEPTABLE": (3, 75.0),
        "UNACCEPTABLE": (1, 25.0),
        "Perfect (5)": (1, 25.0),
        "Good (4)": (1, 25.0),
        "Fair (3)": (1, 25.0),
        "Poor (2)": (1, 25.0),
        "Terrible (1)": (0, 0.0),
    }
    assert (unet["model_version"], unet["assessed"]) == ("U-Net", 2)


def test_the_four_level_scale_appears_only_where_it_was_used(cohort, qa_admin, client_for):
    node, unet = client_for(qa_admin).get(URL).json()["grading"]

    assert not any(row["key"].startswith("four_level") for row in node["rows"])
    unet_shares = shares(unet)
    assert unet_shares["ACCEPTABLE"] == (1, 50.0)
    assert unet_shares["Terrible (1)"] == (1, 100.0)
    assert unet_shares["Acceptable with minor revision (3)"] == (1, 100.0)
    assert unet_shares["Acceptable (4)"] == (0, 0.0)


def test_lesion_verdicts_are_counted_per_region_with_the_current_verdict(
    cohort, qa_admin, client_for
):
    figures = client_for(qa_admin).get(URL).json()

    assert [
        (r["model_version"], r["label"], r["accepted"], r["rejected"], r["acceptance_percent"])
        for r in figures["lesions"]
    ] == [("Neural ODE", "enhancing", 1, 0, 100.0), ("Neural ODE", "oedema", 0, 2, 0.0)]
    assert figures["added"] == [{"model_version": "Neural ODE", "added": 1}]


def test_alarm_verdicts_give_the_true_and_false_alarm_rate_per_kind(
    qa_admin, client_for, make_user
):
    # growth: raised 4 (one cleared); true 2 (one after a change of mind), false 1, unjudged 1
    #   -> true 2 / 3 judged = 66.7 %, false 1 / 3 = 33.3 %
    # unreliable output: raised 2, both false -> 0 % true, 100 % false
    reader = make_user("radiologist")
    exam = patient_with_exams(exams=1).exams.get()

    def alarm(kind, **fields):
        return Alarm.objects.create(exam=exam, kind=kind, reason=kind, **fields)

    record_verdict(user=reader, alarm=alarm("growth"), true_alarm=True)
    changed = record_verdict(user=reader, alarm=alarm("growth"), true_alarm=False)
    record_verdict(user=reader, alarm=changed.alarm, true_alarm=True, supersedes=changed)
    alarm("growth")
    cleared = alarm("growth", cleared_at="2024-06-01T00:00Z")
    record_verdict(user=reader, alarm=cleared, true_alarm=False)
    for _ in range(2):
        record_verdict(user=reader, alarm=alarm("unreliable"), true_alarm=False)

    rows = client_for(qa_admin).get(URL).json()["alarms"]

    assert [
        (r["kind"], r["raised"], r["true_alarms"], r["false_alarms"], r["unjudged"]) for r in rows
    ] == [("growth", 4, 2, 1, 1), ("unreliable", 2, 0, 2, 0)]
    assert [(r["true_percent"], r["false_percent"]) for r in rows] == [
        (66.7, 33.3),
        (0.0, 100.0),
    ]


def test_a_composed_map_is_labelled_with_the_versions_of_its_parts(qa_admin, client_for, make_user):
    exam = patient_with_exams(exams=1).exams.get()
    parts = [
        segmentation(
            exam, {"oedema": 1}, source="model", model_version=model_version(f"NODE {t}", "2.1")
        )
        for t in ("WT", "ET", "TC")
    ]
    grade(composite(exam, {"oedema": 1}, parts=parts), make_user("radiologist"))

    (version,) = client_for(qa_admin).get(URL).json()["grading"]

    assert version["model_version"] == "Neural ODE (NODE ET 2.1, NODE TC 2.1, NODE WT 2.1)"


def test_the_page_renders_the_tables_without_javascript(cohort, qa_admin, client_for):
    page = client_for(qa_admin).get(PAGE).content.decode()

    assert 'Neural ODE <span class="muted">n&nbsp;=&nbsp;4</span>' in page
    assert '<th scope="row">Perfect (5)</th><td class="num">1 (25 %)</td>' in page
    assert "frontend/dashboard.js" in page


@pytest.mark.parametrize("role", ["radiologist", "researcher", "admin"])
def test_only_a_qa_admin_gets_the_dashboard_endpoint(role, make_user, client_for):
    assert client_for(make_user(role)).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["radiologist", "researcher", "admin"])
def test_only_a_qa_admin_gets_the_dashboard_page(role, make_user, client_for):
    assert client_for(make_user(role)).get(PAGE).status_code == 403


def test_an_anonymous_request_is_refused(client):
    assert client.get(URL).status_code == 403
    assert client.get(PAGE).url.startswith("/login/")


def test_only_a_qa_admin_sees_the_quality_link(make_user, client_for):
    radiologist = make_user("radiologist")
    grant_patient(patient_with_exams(exams=1), radiologist)

    assert 'href="/quality/"' not in client_for(radiologist).get("/worklist/").content.decode()
    assert (
        'href="/quality/"' in client_for(make_user("qa_admin")).get("/worklist/").content.decode()
    )


def test_the_openapi_schema_documents_the_dashboard_and_its_refusal(qa_admin, client_for):
    schema = (
        client_for(qa_admin)
        .get(
            URL.replace("reports/quality/", "schema/"),
            HTTP_ACCEPT="application/vnd.oai.openapi+json",
        )
        .json()
    )

    responses = schema["paths"][URL]["get"]["responses"]
    assert set(responses) == {"200", "403"}
    assert "QualityDashboard" in schema["components"]["schemas"]
