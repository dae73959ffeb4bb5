"""The case page tells readers where an exam's preprocessing stands and what it flagged."""

import pytest

from imaging.sequences import Sequence
from reviewer.preprocessing import runs
from tests.reviewer.preprocessing.clinical_builders import acquired_exam

pytestmark = pytest.mark.django_db


def test_the_case_page_says_an_exam_waits_for_preprocessing_and_shows_its_flags(
    make_user, client_for
):
    exam, run = acquired_exam(thick=(Sequence.FLAIR,))
    page = client_for(make_user("qa_admin")).get(f"/cases/{exam.patient.pseudonym}/")
    waiting = page.content.decode()
    runs.run(run)

    done = client_for(make_user("qa_admin")).get(f"/cases/{exam.patient.pseudonym}/")

    assert "Preprocessing queued" in waiting
    assert "⚠ FLAIR has 6.0 mm slices" in done.content.decode()
