"""The viewer root include (viewer/_viewer_root.html) as a reading page uses it: the lesion
marks attributes only where it names an answer input, and no patient where none is given."""

import json

from django.template.loader import render_to_string


def root(**context) -> str:
    return render_to_string("viewer/_viewer_root.html", {"manifest_url": "/api/m/", **context})


def test_a_page_with_a_marks_input_gives_the_viewer_its_rules():
    html = root(marks_input="#id_q_marks", marks_max=3, marks_labels_json=json.dumps(["new"]))

    assert 'data-marks-input="#id_q_marks"' in html
    assert 'data-marks-max="3"' in html
    assert 'data-marks-labels="[&quot;new&quot;]"' in html


def test_a_page_without_a_marks_input_has_no_marks():
    html = root(marks_max=3, marks_labels_json="[]")

    assert "data-marks" not in html


def test_the_patient_is_named_only_when_given():
    assert "data-patient" not in root()
    assert 'data-patient="NR-0001"' in root(patient="NR-0001")


def test_a_study_reading_is_marked_and_names_no_patient():
    html = root(study_reading=True, patient="NR-0001")

    assert 'data-study-reading="true"' in html
    assert "data-patient" not in html


def test_a_clinical_page_is_no_study_reading():
    assert "data-study-reading" not in root(patient="NR-0001")
