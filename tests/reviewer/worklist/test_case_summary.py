"""The case page as a summary: per exam its sequences, the review of each AI result and its open
alarms; the volume of each region over the exams; only for users who may see the patient."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewer.alarms.models import Alarm
from reviewer.alarms.verdicts import record_verdict
from reviewer.cases.permissions import grant_patient
from reviewer.grading import services as grading
from reviewer.studies.models import Survey
from segmentation.models import ModelVersion
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

TUMOUR = {"enhancing": 2000, "necrosis": 500, "oedema": 7500}  # 2.0 + 0.5 + 7.5 = 10.0 mL


@pytest.fixture
def patient():
    return patient_with_exams(exams=3, pseudonym="NR-SUMMARY")


@pytest.fixture
def reader(make_user, patient):
    user = make_user("radiologist", username="dr-reader")
    grant_patient(patient, user)
    return user


@pytest.fixture
def page(client_for, reader):
    def get():
        response = client_for(reader).get("/cases/NR-SUMMARY/")
        assert response.status_code == 200
        return response

    return get


def exams(patient):
    return list(patient.exams.order_by("order"))


def test_the_case_page_marks_the_sequences_an_exam_lacks(make_user, client_for):
    patient_with_exams(exams=1, sequences=("FLAIR", "T2"), pseudonym="NR-PARTIAL")

    response = client_for(make_user("qa_admin")).get("/cases/NR-PARTIAL/")

    (exam,) = response.context["summary"].exams
    assert exam.sequences == [("FLAIR", True), ("T1", False), ("T1CE", False), ("T2", True)]
    assert not exam.complete
    assert 'title="T1CE missing"' in response.content.decode()


def test_the_case_page_shows_the_current_assessment_not_the_superseded_one(patient, reader, page):
    first = exams(patient)[0]
    node = composite(first, TUMOUR)
    earlier = grade(node, reader, acceptable=False, grade=2)
    grade(node, reader, acceptable=True, grade=4, supersedes=earlier)

    (review,) = page().context["summary"].exams[0].reviews

    assert (review.assessment.acceptable, review.assessment.grade) == (True, 4)
    assert "acceptable · 4 Good" in page().content.decode()


def test_an_ungraded_ai_result_says_so(patient, page):
    composite(exams(patient)[0], TUMOUR)

    content = page().content.decode()
    assert "not graded" in content and "1 lesion, none judged" in content


def test_the_case_page_counts_lesion_verdicts_and_components_below_the_minimum(
    patient, reader, page
):
    node = composite(
        exams(patient)[0],
        {"oedema": 900},
        {"oedema": 400},
        {"enhancing": 200},
        below=[{"oedema": 5}, {"oedema": 3}],
        minimum_ml=0.1,
    )
    first = judge(node, reader, 1, "accepted")
    judge(node, reader, 1, "rejected", supersedes=first)  # changed mind: counts once
    judge(node, reader, 2, "accepted")
    add_missed(node, reader)

    (review,) = page().context["summary"].exams[0].reviews

    assert (review.listed, review.accepted, review.rejected, review.added) == (3, 1, 1, 1)
    assert (review.unjudged, review.below_minimum) == (1, 2)
    assert (
        "2 of 3 lesions judged (1 accepted, 1 rejected) · 1 added · 2 below 0.1 mL"
        in page().content.decode()
    )


def test_a_withdrawn_verdict_leaves_its_lesion_unjudged(patient, reader, page):
    node = composite(exams(patient)[0], {"oedema": 900}, {"oedema": 400})
    accepted = judge(node, reader, 1, "accepted")
    grading.record_verdict(
        user=reader, segmentation=node, decision="withdrawn", supersedes=accepted
    )
    added = add_missed(node, reader)
    grading.record_verdict(user=reader, segmentation=node, decision="withdrawn", supersedes=added)

    (review,) = page().context["summary"].exams[0].reviews

    assert (review.accepted, review.rejected, review.added, review.unjudged) == (0, 0, 0, 2)


def test_the_parts_of_a_composite_are_not_listed_as_results_of_their_own(patient, page):
    exam = exams(patient)[0]
    parts = [
        segmentation(exam, TUMOUR, source="model", model_version=model_version(f"NODE {t}"))
        for t in ("ET", "TC", "WT")
    ]
    composite(exam, TUMOUR, parts=parts)
    detection = model_version("MS new lesions", kind="subtraction", target="")
    segmentation(exam, {"oedema": 20}, source="model", model_version=detection)

    reviews = page().context["summary"].exams[0].reviews

    assert [r.title for r in reviews] == ["Neural ODE", "MS new lesions 1.0"]


def test_open_alarms_are_listed_worst_first_and_cleared_ones_not_at_all(patient, page):
    first, second, _ = exams(patient)
    Alarm.objects.create(exam=second, kind="unreliable", reason="WT Dice 0.41")
    Alarm.objects.create(exam=second, kind="growth", reason="WT +52 % against exam 0")
    Alarm.objects.create(exam=first, kind="haemorrhage_expansion", reason="+7 mL")
    Alarm.objects.create(
        exam=first, kind="growth", reason="cleared one", cleared_at="2024-06-01T00:00Z"
    )

    summary = page().context["summary"]

    assert [group.first["kind"] for group in summary.alarms] == [
        "haemorrhage_expansion",
        "growth",
        "unreliable",
    ]
    assert summary.exams[1].risk["summary"] == "Growth · Unreliable output"
    assert "cleared one" not in page().content.decode()


def test_alarms_of_one_kind_on_one_exam_make_one_line(patient, reader, page):
    exam = exams(patient)[1]
    for target in ("ET", "TC", "WT"):
        Alarm.objects.create(exam=exam, kind="unreliable", reason=f"{target} Dice 0.4")
    record_verdict(user=reader, alarm=exam.alarms.get(reason="TC Dice 0.4"), true_alarm=False)

    (group,) = page().context["summary"].alarms

    assert (len(group.alarms), group.judged_false) == (3, 1)
    assert "Unreliable output ×3" in page().content.decode()
    assert "and 2 more, 1 judged false" in page().content.decode()


def test_an_alarm_judged_false_is_shown_as_such_and_leaves_the_exams_risk(patient, reader, page):
    exam = exams(patient)[0]
    alarm = Alarm.objects.create(exam=exam, kind="growth", reason="WT +45 %")
    record_verdict(user=reader, alarm=alarm, true_alarm=False)

    summary = page().context["summary"]

    assert summary.exams[0].risk["risk_score"] == 0
    assert "judged false by dr-reader" in page().content.decode()


def test_region_volumes_come_from_the_composition_of_each_component(patient, page):
    # One tumour component (2.0 mL enhancing, 0.5 mL necrosis, 7.5 mL oedema) and a small
    # oedema component of 0.3 mL: the main label alone would call the tumour all oedema.
    composite(exams(patient)[0], TUMOUR, {"oedema": 300})

    (track,) = page().context["summary"].tracks
    volumes = track.rows[0].review.volumes_ml

    assert track.regions == ["enhancing", "necrosis", "oedema"]
    assert volumes == pytest.approx(
        {"enhancing": 2.0, "necrosis": 0.5, "oedema": 7.8, "total": 10.3}
    )


def test_volume_changes_skip_a_segmentation_the_reader_rejected(patient, reader, page):
    first, second, third = exams(patient)
    composite(first, {"oedema": 10000})  # 10 mL
    grade(composite(second, {"oedema": 30000}), reader, acceptable=False, grade=1)
    composite(third, {"oedema": 12500})  # 12.5 mL: +25 % against the first exam

    rows = page().context["summary"].tracks[0].rows

    assert [row.change_percent for row in rows] == [None, None, pytest.approx(25.0)]
    assert "not accepted" in page().content.decode()


def test_volumes_of_another_compatibility_group_are_not_compared(patient, page):
    first, second, _ = exams(patient)
    old, new = model_version("node-wt", "1.0"), model_version("node-wt", "2.0")
    ModelVersion.objects.filter(pk=old.pk).update(compatibility_group=1)
    ModelVersion.objects.filter(pk=new.pk).update(compatibility_group=2)
    before = segmentation(first, {"oedema": 10000}, source="model", model_version=old)
    after = segmentation(second, {"oedema": 30000}, source="model", model_version=new)
    composite(first, {"oedema": 10000}, parts=[before])
    composite(second, {"oedema": 30000}, parts=[after])

    [track] = [t for t in page().context["summary"].tracks if t.title == "Neural ODE"]

    assert track.rows[1].change_percent is None
    assert "node-wt 1.0 (compatibility group 1) against" in track.rows[1].incomparable
    assert "not comparable" in page().content.decode()


def incompatible_priors(patient):
    """Exam 0's composite made by node-wt 1.0 (group 1); exam 1's part by node-wt 2.0 (group
    2), and that version."""
    first, second, _ = exams(patient)
    old, new = model_version("node-wt", "1.0"), model_version("node-wt", "2.0")
    ModelVersion.objects.filter(pk=old.pk).update(compatibility_group=1)
    ModelVersion.objects.filter(pk=new.pk).update(compatibility_group=2)
    before = segmentation(first, {"oedema": 10000}, source="model", model_version=old)
    after = segmentation(second, {"oedema": 30000}, source="model", model_version=new)
    return composite(first, {"oedema": 10000}, parts=[before]), after


def test_the_case_page_offers_to_segment_the_priors_again_where_volumes_do_not_compare(
    patient, page
):
    _, after = incompatible_priors(patient)
    composite(exams(patient)[1], {"oedema": 30000}, parts=[after])

    html = page().content.decode()

    assert "data-rerun-offer" in html
    assert "Exam 1 cannot be compared with the exam before" in html
    assert 'action="/cases/NR-SUMMARY/segment/"' in html


def test_the_case_page_offers_nothing_where_every_exam_compares(patient, page):
    first, second, _ = exams(patient)
    version = model_version("node-wt", "1.0")
    for exam in (first, second):
        part = segmentation(exam, {"oedema": 10000}, source="model", model_version=version)
        composite(exam, {"oedema": 10000}, parts=[part])

    assert "data-rerun-offer" not in page().content.decode()


def test_a_prior_segmented_again_is_compared_by_the_composite_that_replaced_its_old_one(
    patient, page
):
    replaced, after = incompatible_priors(patient)
    first, second, _ = exams(patient)
    composite(second, {"oedema": 30000}, parts=[after])
    again = segmentation(
        first, {"oedema": 20000}, source="model", model_version=after.model_version
    )
    composite(first, {"oedema": 20000}, parts=[again], replaces=replaced)

    [track] = [t for t in page().context["summary"].tracks if t.title == "Neural ODE"]

    assert track.rows[0].review.volumes_ml["total"] == pytest.approx(20.0)
    assert (track.rows[1].incomparable, track.rows[1].change_percent) == (
        "",
        pytest.approx(50.0),
    )
    assert "data-rerun-offer" not in page().content.decode()


def test_each_model_family_and_the_reference_get_their_own_volume_track(patient, page):
    first, second, _ = exams(patient)
    composite(first, TUMOUR, family="unet")
    composite(second, TUMOUR, family="node")
    segmentation(first, TUMOUR, source="reference")

    tracks = page().context["summary"].tracks

    assert [t.title for t in tracks] == ["Neural ODE", "U-Net", "Reference"]
    assert [row.review is not None for row in tracks[0].rows] == [False, True, False]


def test_the_case_page_links_to_each_published_survey_about_the_patient(patient, page):
    ease = Survey.objects.get(name="EASE clinical evaluation")  # built in, published

    html = page().content.decode()

    assert f'href="/surveys/{ease.pk}/patients/NR-SUMMARY/" data-survey-link' in html


def test_the_case_page_links_each_exam_to_the_viewer(patient, page):
    exam = exams(patient)[1]

    assert f'href="/cases/NR-SUMMARY/viewer/?exam={exam.pk}"' in page().content.decode()


def test_a_radiologist_gets_404_for_a_case_not_granted_to_them(patient, make_user, client_for):
    stranger = make_user("radiologist")

    assert client_for(stranger).get("/cases/NR-SUMMARY/").status_code == 404


def test_a_researcher_may_not_open_the_case_page(patient, make_user, client_for):
    researcher = make_user("researcher")
    grant_patient(patient, researcher)

    assert client_for(researcher).get("/cases/NR-SUMMARY/").status_code == 403


def test_the_case_page_takes_as_many_queries_for_three_exams_as_for_one(reader, client_for):
    for pseudonym, exams in (("NR-ONE-EXAM", 1), ("NR-THREE-EXAMS", 3)):
        patient = patient_with_exams(exams=exams, pseudonym=pseudonym)
        grant_patient(patient, reader)
        for exam in patient.exams.all():
            for family in ("node", "unet"):
                grade(composite(exam, TUMOUR, {"oedema": 5}, family=family), reader)
            Alarm.objects.create(exam=exam, kind="growth", reason="WT +45 %")
    api = client_for(reader)
    api.get("/cases/NR-ONE-EXAM/")  # the session and the caches of the first request

    def queries(pseudonym: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/cases/{pseudonym}/").status_code == 200
        return len(captured)

    assert queries("NR-ONE-EXAM") == queries("NR-THREE-EXAMS")
