"""The adjudication page of a reader study version: who may open it, what it shows, and its forms
(colocalise, label, merge, split, designate)."""

import pytest
from django.test import Client
from django.urls import reverse

from reviewer.studies import adjudication
from reviewer.studies.adjudication import DISPUTED, FP, TP
from reviewer.studies.models import AdjudicationLabel, Reading
from tests.reviewer.studies.conftest import read_marking


def marks_of(exams):
    """Reader marks on the first exam: one lesion near (10, 10, 10) in phase 1, one at
    (40, 0, 0) in phase 2."""

    def marks(reading: Reading):
        if reading.phase == Reading.PRACTICE or reading.case.exam_id != exams[0].pk:
            return []
        return [(10, 10, 10)] if reading.phase == 1 else [(40, 0, 0)]

    return marks


@pytest.fixture
def read(marks_study, readers, exams):
    for reader in readers[:2]:
        read_marking(reader, marks_study, marks_of(exams))
    return marks_study


@pytest.fixture
def adjudicators(make_user, marks_study, researcher):
    chosen = [make_user("radiologist"), make_user("qa_admin")]
    for user in chosen:
        adjudication.designate(marks_study, user, by=researcher)
    return chosen


@pytest.fixture
def lesions(read, researcher, adjudicators):
    adjudication.colocalise(read, by=researcher)
    return list(read.lesions.current().order_by("x_mm"))


def url(version) -> str:
    return reverse(
        "studies:adjudication", kwargs={"study": version.study_id, "number": version.number}
    )


def test_the_researcher_sees_each_lesion_with_who_found_it_and_the_viewer_link(
    lesions, researcher, readers, exams, client_for
):
    page = client_for(researcher).get(url(lesions[0].version))
    assert page.status_code == 200
    html = page.content.decode()
    for lesion in lesions:
        assert f'data-lesion="{lesion.pk}"' in html
    assert readers[0].username in html and readers[1].username in html
    exam = exams[0]
    assert f"/cases/{exam.patient.pseudonym}/viewer/?exam={exam.pk}" in html


def test_an_adjudicator_sees_the_page_with_tp_and_fp_buttons(lesions, adjudicators, client_for):
    page = client_for(adjudicators[0]).get(url(lesions[0].version))
    assert page.status_code == 200
    assert b'name="value" value="tp"' in page.content


def test_a_reader_who_does_not_adjudicate_gets_404(read, readers, client_for):
    assert client_for(readers[0]).get(url(read)).status_code == 404


def test_another_researcher_gets_404(read, make_user, client_for):
    assert client_for(make_user("researcher")).get(url(read)).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(read, client):
    page = client.get(url(read))
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


def test_an_adjudicator_who_still_reads_gets_403_until_their_readings_are_finished(
    marks_study, readers, exams, researcher, client_for
):
    reader = readers[0]
    adjudication.designate(marks_study, reader, by=researcher)
    now = read_marking(reader, marks_study, marks_of(exams), through_phase=1)
    page = client_for(reader).get(url(marks_study))
    assert page.status_code == 403
    assert b"readings of" in page.content
    assert b"data-lesion" not in page.content

    read_marking(reader, marks_study, marks_of(exams), now=now)
    assert client_for(reader).get(url(marks_study)).status_code == 200


def test_the_researcher_colocalises_the_finished_readings(read, researcher, client_for):
    page = client_for(researcher).post(url(read), {"action": "colocalise"})
    assert page.status_code == 302
    assert read.lesions.current().count() == 2


def test_an_adjudicators_tp_is_recorded(lesions, adjudicators, client_for):
    lesion = lesions[0]
    client = client_for(adjudicators[0])
    page = client.post(url(lesion.version), {"action": "label", "lesion": lesion.pk, "value": TP})
    assert page.status_code == 302
    assert AdjudicationLabel.objects.get(lesion=lesion, adjudicator=adjudicators[0]).value == TP


def test_an_adjudicator_corrects_their_label(lesions, adjudicators, client_for):
    lesion = lesions[0]
    first = adjudication.label(lesion, adjudicator=adjudicators[0], value=TP)
    client_for(adjudicators[0]).post(
        url(lesion.version),
        {"action": "label", "lesion": lesion.pk, "value": FP, "supersedes": first.pk},
    )
    assert first.superseded_by.value == FP


def test_a_label_by_the_researcher_is_refused_with_the_reason(lesions, researcher, client_for):
    lesion = lesions[0]
    page = client_for(researcher).post(
        url(lesion.version), {"action": "label", "lesion": lesion.pk, "value": TP}
    )
    assert page.status_code == 400
    assert b"is not an adjudicator" in page.content
    assert not AdjudicationLabel.objects.exists()


def test_an_unknown_action_is_refused(lesions, researcher, client_for):
    page = client_for(researcher).post(url(lesions[0].version), {"action": "delete"})
    assert page.status_code == 400


def test_open_disagreements_are_listed_on_top(lesions, adjudicators, client_for):
    lesion = lesions[0]
    adjudication.label(lesion, adjudicator=adjudicators[0], value=TP)
    adjudication.label(lesion, adjudicator=adjudicators[1], value=FP)
    page = client_for(adjudicators[0]).get(url(lesion.version))
    html = page.content.decode()
    assert f'href="#lesion-{lesion.pk}"' in html.split("data-adjudicators")[0]
    assert f'data-lesion="{lesion.pk}" data-consensus="{DISPUTED}"' in html


def test_checked_lesions_are_merged(lesions, adjudicators, client_for):
    version = lesions[0].version
    page = client_for(adjudicators[0]).post(
        url(version), {"action": "merge", "lesions": [lesion.pk for lesion in lesions]}
    )
    assert page.status_code == 302
    (merged,) = version.lesions.current()
    assert merged.marks.count() == 4


def test_checked_marks_are_split_off(lesions, researcher, client_for):
    near = lesions[0]
    mark = near.marks.first()
    page = client_for(researcher).post(
        url(near.version), {"action": "split", "lesion": near.pk, "marks": [mark.pk]}
    )
    assert page.status_code == 302
    assert near.version.lesions.current().count() == 3


def test_a_merge_of_a_lesion_of_another_version_is_refused(lesions, researcher, client_for):
    page = client_for(researcher).post(
        url(lesions[0].version), {"action": "merge", "lesions": [lesions[0].pk, 999999]}
    )
    assert page.status_code == 400
    assert b"no lesions [999999]" in page.content


def test_the_researcher_designates_an_adjudicator(read, researcher, make_user, client_for):
    radiologist = make_user("radiologist")
    page = client_for(researcher).post(url(read), {"action": "designate", "user": radiologist.pk})
    assert page.status_code == 302
    assert read.adjudicators.filter(user=radiologist).exists()


def test_an_adjudicator_does_not_designate(lesions, adjudicators, make_user, client_for):
    version = lesions[0].version
    page = client_for(adjudicators[0]).post(
        url(version), {"action": "designate", "user": make_user("radiologist").pk}
    )
    assert page.status_code == 400
    assert version.adjudicators.count() == 2


def test_a_form_without_its_csrf_token_is_refused(lesions, adjudicators):
    client = Client(enforce_csrf_checks=True)
    client.force_login(adjudicators[0])
    page = client.post(
        url(lesions[0].version), {"action": "label", "lesion": lesions[0].pk, "value": TP}
    )
    assert page.status_code == 403
    assert not AdjudicationLabel.objects.exists()


def test_the_data_steward_sees_the_page_as_every_study(lesions, make_user, client_for):
    assert client_for(make_user("admin")).get(url(lesions[0].version)).status_code == 200
