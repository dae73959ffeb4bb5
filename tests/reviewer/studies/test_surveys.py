"""Survey definitions and responses: a definition is checked when a version is made (ids, types,
choices, conditions on earlier questions only), each problem naming the question and field; a
response is checked against its version, branching included, each problem naming the question;
and the built-in EASE survey branches as the paper's flowchart prose says."""

import copy

import pytest

from reviewer.studies import definitions, surveys
from reviewer.studies.answers import AnswersError, accepted, shown_questions
from reviewer.studies.models import Survey, SurveyResponse
from tests.reviewer.factories import ExamFactory, PatientFactory

YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
EASE_LEVELS = [
    {"value": 5, "label": "Perfect"},
    {"value": 4, "label": "Good"},
    {"value": 3, "label": "Acceptable"},
    {"value": 2, "label": "Bad"},
    {"value": 1, "label": "Terrible"},
]
EVERY_TYPE = {
    "questions": [
        {"id": "seen", "type": "single_choice", "text": "Lesion seen?", "choices": YES_NO},
        {
            "id": "sequences",
            "type": "multiple_choice",
            "text": "On which sequences?",
            "choices": [
                {"value": "flair", "label": "FLAIR"},
                {"value": "t1ce", "label": "T1CE"},
            ],
            "show_when": {"question": "seen", "equals": "yes"},
        },
        {
            "id": "volume",
            "type": "number",
            "text": "Volume",
            "min": 0,
            "max": 500,
            "unit": "mL",
            "required": False,
        },
        {"id": "grade", "type": "grade", "text": "Segmentation quality", "levels": EASE_LEVELS},
        {
            "id": "why_bad",
            "type": "text",
            "text": "What is wrong?",
            "max_length": 20,
            "show_when": {"question": "grade", "at_most": 2},
        },
        {
            "id": "marks",
            "type": "lesion_marks",
            "text": "Mark the lesions",
            "labels": ["new", "enlarging"],
            "max_marks": 2,
            "required": False,
        },
    ]
}
COMPLETE = {"seen": "yes", "sequences": ["flair"], "volume": 12.5, "grade": 4}


def problems_of(definition) -> list[str]:
    with pytest.raises(definitions.DefinitionError) as refused:
        definitions.validate(definition)
    return [str(problem) for problem in refused.value.problems]


def answer_problems(answers, definition=EVERY_TYPE) -> dict[str, list[str]]:
    with pytest.raises(AnswersError) as refused:
        accepted(definition, answers)
    return refused.value.by_question()


def with_question(**fields) -> dict:
    """EVERY_TYPE with one more, last question."""
    changed = copy.deepcopy(EVERY_TYPE)
    changed["questions"].append({"id": "extra", "text": "Extra", **fields})
    return changed


# --- definitions --------------------------------------------------------------------------


def test_a_definition_with_every_question_type_is_valid():
    definitions.validate(EVERY_TYPE)


def test_a_definition_without_questions_is_refused():
    assert problems_of({"questions": []}) == ["questions: a non-empty list of questions"]


def test_two_questions_with_one_id_are_refused_naming_the_id():
    duplicated = with_question(type="text")
    duplicated["questions"][-1]["id"] = "volume"

    assert problems_of(duplicated) == [
        "question 'volume', id: used by an earlier question: ids are unique"
    ]


def test_an_id_that_is_not_a_slug_is_refused():
    (problem,) = problems_of({"questions": [{"id": "Why?", "type": "text", "text": "Why"}]})

    assert problem.startswith("questions[0].id: 'Why?' is not an id")


def test_an_unknown_type_is_refused_naming_the_question_and_field():
    (problem,) = problems_of(with_question(type="slider"))

    assert problem.startswith("question 'extra', type: 'slider' is not one of single_choice")


def test_a_field_of_another_type_is_refused():
    assert problems_of(with_question(type="text", choices=YES_NO)) == [
        "question 'extra', choices: not a field of a text question"
    ]


def test_a_question_without_text_is_refused():
    assert problems_of({"questions": [{"id": "a", "type": "text"}]}) == [
        "question 'a', text: the question's text is missing"
    ]


def test_a_choice_question_needs_two_distinct_labelled_choices():
    one = [{"value": "yes", "label": "Yes"}]
    twice = [{"value": "yes", "label": "Yes"}, {"value": "yes", "label": "Also yes"}]
    unlabelled = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": " "}]

    assert problems_of(with_question(type="single_choice", choices=one)) == [
        "question 'extra', choices: a list of at least two {value, label} choices"
    ]
    assert problems_of(with_question(type="multiple_choice", choices=twice)) == [
        "question 'extra', choices: value 'yes' appears twice"
    ]
    assert problems_of(with_question(type="single_choice", choices=unlabelled)) == [
        "question 'extra', choices: value 'no' has no label"
    ]


def test_a_grade_level_is_a_whole_number():
    levels = [{"value": 1, "label": "Bad"}, {"value": 2.5, "label": "Half"}]

    assert problems_of(with_question(type="grade", levels=levels)) == [
        "question 'extra', levels: 2.5 is not a valid value"
    ]


def test_a_number_question_with_min_above_max_is_refused():
    assert problems_of(with_question(type="number", min=10, max=1)) == [
        "question 'extra', max: below min (10)"
    ]


def test_a_condition_on_a_later_question_is_refused():
    forward = copy.deepcopy(EVERY_TYPE)
    forward["questions"][0]["show_when"] = {"question": "grade", "at_least": 3}

    assert problems_of(forward) == [
        "question 'seen', show_when: 'grade' is not an earlier question"
    ]


def test_a_condition_on_the_question_itself_is_refused():
    (problem,) = problems_of(
        with_question(type="text", show_when={"question": "extra", "answered": True})
    )

    assert problem == "question 'extra', show_when: 'extra' is not an earlier question"


def test_a_condition_on_a_choice_that_does_not_exist_is_refused():
    condition = {
        "any": [{"question": "grade", "at_least": 4}, {"question": "seen", "equals": "maybe"}]
    }

    assert problems_of(with_question(type="text", show_when=condition)) == [
        "question 'extra', show_when.any[1]: 'maybe' is not a choice of 'seen'"
    ]


def test_an_operator_that_does_not_apply_to_the_question_type_is_refused():
    condition = {"question": "seen", "at_least": 3}

    (problem,) = problems_of(with_question(type="text", show_when=condition))

    assert problem.startswith(
        "question 'extra', show_when: at_least does not apply to single_choice 'seen'"
    )


def test_a_condition_with_two_operators_is_refused():
    condition = {"question": "grade", "at_least": 2, "at_most": 4}

    (problem,) = problems_of(with_question(type="text", show_when=condition))

    assert problem.startswith("question 'extra', show_when: a condition is {\"question\": id")


def test_a_number_condition_needs_a_number():
    condition = {"question": "volume", "at_least": "ten"}

    assert problems_of(with_question(type="text", show_when=condition)) == [
        "question 'extra', show_when: 'ten' is not a number"
    ]


# --- answers ------------------------------------------------------------------------------


def test_complete_answers_are_accepted_as_given():
    assert accepted(EVERY_TYPE, COMPLETE) == COMPLETE


def test_a_required_shown_question_left_unanswered_is_refused():
    assert answer_problems({"seen": "no"}) == {"grade": ["required"]}


def test_a_blank_text_is_no_answer_to_a_required_text():
    assert answer_problems({**COMPLETE, "grade": 1, "why_bad": "  "}) == {"why_bad": ["required"]}


def test_an_optional_question_may_be_left_out():
    assert accepted(EVERY_TYPE, {"seen": "no", "grade": 3}) == {"seen": "no", "grade": 3}


def test_an_answer_to_a_hidden_question_is_refused_naming_its_condition():
    assert answer_problems({"seen": "no", "sequences": ["flair"], "grade": 3}) == {
        "sequences": ["hidden (shown only when seen equals 'yes'): leave it out"]
    }


def test_a_question_a_condition_shows_must_be_answered():
    assert answer_problems({"seen": "yes", "grade": 3}) == {"sequences": ["required"]}


def test_a_numeric_condition_shows_its_question_at_the_bound():
    assert "why_bad" in shown_questions(EVERY_TYPE, {"seen": "no", "grade": 2})
    assert "why_bad" not in shown_questions(EVERY_TYPE, {"seen": "no", "grade": 3})


def test_a_question_after_a_hidden_one_follows_the_hidden_one_as_unanswered():
    chained = with_question(type="text", show_when={"question": "sequences", "answered": False})

    assert "extra" in shown_questions(chained, {"seen": "no", "grade": 3})
    assert "extra" not in shown_questions(chained, COMPLETE)


def test_all_and_any_combine_conditions():
    condition = {
        "all": [
            {"question": "seen", "equals": "yes"},
            {
                "any": [
                    {"question": "sequences", "includes": "t1ce"},
                    {"question": "grade", "in": [1, 2]},
                ]
            },
        ]
    }
    combined = with_question(type="text", show_when=condition)
    definitions.validate(combined)

    assert "extra" in shown_questions(combined, {**COMPLETE, "sequences": ["flair", "t1ce"]})
    assert "extra" not in shown_questions(combined, COMPLETE)
    assert "extra" not in shown_questions(combined, {**COMPLETE, "seen": "no"})


def test_not_equals_is_false_while_its_question_is_unanswered():
    condition = {"question": "volume", "not_equals": 0}
    different = with_question(type="text", show_when=condition)

    assert "extra" not in shown_questions(different, {"seen": "no", "grade": 3})
    assert "extra" in shown_questions(different, {"seen": "no", "grade": 3, "volume": 4})


def test_an_answer_to_no_question_of_the_version_is_refused():
    assert answer_problems({**COMPLETE, "confidence": 3}) == {
        "confidence": ["not a question of this survey version"]
    }


def test_a_choice_that_is_not_offered_is_refused():
    assert answer_problems({"seen": "maybe", "grade": 4}) == {
        "seen": ["'maybe' is not one of yes, no"]
    }


def test_a_multiple_choice_refuses_unknown_and_repeated_choices():
    assert answer_problems({**COMPLETE, "sequences": ["flair", "dwi"]}) == {
        "sequences": ["'dwi' not among flair, t1ce"]
    }
    assert answer_problems({**COMPLETE, "sequences": ["flair", "flair"]}) == {
        "sequences": ["a choice is selected twice"]
    }


def test_a_number_outside_its_range_is_refused_with_its_unit():
    assert answer_problems({**COMPLETE, "volume": 600}) == {
        "volume": ["600 mL is above the maximum, 500 mL"]
    }
    assert answer_problems({**COMPLETE, "volume": -1}) == {
        "volume": ["-1 mL is below the minimum, 0 mL"]
    }


def test_a_number_answer_must_be_a_number_not_a_string_or_boolean():
    assert answer_problems({**COMPLETE, "volume": "12"}) == {"volume": ["'12' is not a number"]}
    assert answer_problems({**COMPLETE, "volume": True}) == {"volume": ["True is not a number"]}


def test_an_integer_number_question_refuses_a_fraction():
    whole = with_question(type="number", integer=True)

    assert answer_problems({**COMPLETE, "extra": 2.5}, whole) == {
        "extra": ["2.5 is not a whole number"]
    }


def test_a_grade_outside_its_levels_is_refused():
    assert answer_problems({**COMPLETE, "grade": 6}) == {
        "grade": ["6 is not a level of 5, 4, 3, 2, 1"]
    }


def test_a_text_longer_than_its_limit_is_refused():
    assert answer_problems({**COMPLETE, "grade": 1, "why_bad": "x" * 21}) == {
        "why_bad": ["21 characters, more than the 20 allowed"]
    }


def test_lesion_marks_are_points_in_millimetres_with_optional_labels():
    marks = [{"position_mm": [12.5, -30.0, 4]}, {"position_mm": [0, 0, 0], "label": "new"}]

    assert accepted(EVERY_TYPE, {**COMPLETE, "marks": marks})["marks"] == marks


def test_an_empty_list_of_lesion_marks_is_an_answer():
    assert accepted(EVERY_TYPE, {**COMPLETE, "marks": []})["marks"] == []


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ([{"position_mm": [1, 2]}], "mark 1: position_mm is [x, y, z] in millimetres"),
        ([{"position_mm": [1, 2, "3"]}], "mark 1: position_mm is [x, y, z] in millimetres"),
        (
            [{"position_mm": [1, 2, 3], "label": "old"}],
            "mark 1: 'old' is not one of new, enlarging",
        ),
        (
            [{"position_mm": [1, 2, 3], "size": 4}],
            'mark 1: {"position_mm": [x, y, z], "label": optional}',
        ),
        ([{"position_mm": [0, 0, 0]}] * 3, "3 marks, more than the 2 allowed"),
    ],
)
def test_a_malformed_lesion_mark_is_refused(marks, message):
    assert answer_problems({**COMPLETE, "marks": marks}) == {"marks": [message]}


def test_every_problem_of_a_response_is_named_at_once():
    assert answer_problems({"seen": "maybe", "volume": 900}) == {
        "seen": ["'maybe' is not one of yes, no"],
        "volume": ["900 mL is above the maximum, 500 mL"],
        "grade": ["required"],
    }


# --- the services -------------------------------------------------------------------------


@pytest.fixture
def survey(make_user):
    researcher = make_user("researcher")
    survey = surveys.create_survey(name="Lesions", user=researcher)
    surveys.add_version(survey=survey, definition=EVERY_TYPE, user=researcher, publish=True)
    return survey


@pytest.fixture
def reader(make_user):
    return make_user("radiologist")


def test_an_invalid_definition_makes_no_version(survey):
    with pytest.raises(surveys.SurveyError) as refused:
        surveys.add_version(survey=survey, definition={"questions": []}, user=None)

    assert refused.value.field == "definition"
    assert survey.versions.count() == 1


def test_versions_are_numbered_in_turn_and_the_newest_published_is_current(survey):
    draft = surveys.add_version(survey=survey, definition=EVERY_TYPE, user=None)

    assert draft.number == 2
    assert survey.versions.current().number == 1
    surveys.publish(draft)
    assert survey.versions.current() == draft


def test_an_invalid_response_stores_nothing(survey, reader):
    with pytest.raises(surveys.SurveyError) as refused:
        surveys.respond(
            version=survey.versions.current(),
            respondent=reader,
            subject=PatientFactory(),
            answers={"seen": "no"},
        )

    assert refused.value.problems == {"grade": ["required"]}
    assert not SurveyResponse.objects.exists()


def test_a_draft_is_not_answered(survey, reader):
    draft = surveys.add_version(survey=survey, definition=EVERY_TYPE, user=None)

    with pytest.raises(surveys.SurveyError, match="draft"):
        surveys.respond(
            version=draft, respondent=reader, subject=PatientFactory(), answers=COMPLETE
        )


def test_a_response_keeps_the_version_it_answered(survey, reader):
    answered = survey.versions.current()
    response = surveys.respond(
        version=answered, respondent=reader, subject=ExamFactory(), answers=COMPLETE
    )
    surveys.add_version(survey=survey, definition=EVERY_TYPE, user=None, publish=True)

    response.refresh_from_db()
    assert response.version == answered
    assert response.exam is not None and response.patient is None


def test_a_second_first_response_about_the_same_subject_is_stale(survey, reader):
    patient = PatientFactory()
    version = survey.versions.current()
    surveys.respond(version=version, respondent=reader, subject=patient, answers=COMPLETE)

    with pytest.raises(surveys.StaleResponse):
        surveys.respond(version=version, respondent=reader, subject=patient, answers=COMPLETE)


def test_a_correction_supersedes_once(survey, reader):
    patient = PatientFactory()
    version = survey.versions.current()
    first = surveys.respond(version=version, respondent=reader, subject=patient, answers=COMPLETE)
    corrected = surveys.respond(
        version=version,
        respondent=reader,
        subject=patient,
        answers={**COMPLETE, "grade": 5},
        supersedes=first,
    )

    assert surveys.current_response(survey, reader, patient=patient) == corrected
    with pytest.raises(surveys.StaleResponse):
        surveys.respond(
            version=version, respondent=reader, subject=patient, answers=COMPLETE, supersedes=first
        )


def test_a_correction_of_another_respondents_response_is_refused(survey, reader, make_user):
    patient = PatientFactory()
    version = survey.versions.current()
    theirs = surveys.respond(version=version, respondent=reader, subject=patient, answers=COMPLETE)

    with pytest.raises(surveys.SurveyError, match="not yours"):
        surveys.respond(
            version=version,
            respondent=make_user("radiologist"),
            subject=patient,
            answers=COMPLETE,
            supersedes=theirs,
        )


# --- the built-in EASE survey -------------------------------------------------------------


@pytest.fixture
def ease(db):
    return Survey.objects.get(name="EASE clinical evaluation").versions.current()


def test_the_ease_survey_is_built_in_published_and_valid(ease):
    definitions.validate(ease.definition)
    assert ease.number == 1 and ease.published_at is not None


def test_ease_asks_why_when_the_diagnosis_was_not_successful(ease):
    # spec ease-and-evaluation.md l.233 (paper l.1987–1988, reasons l.2165–2171)
    assert shown_questions(ease.definition, {"successful": "no"}) == [
        "successful",
        "failure_reason",
    ]
    assert shown_questions(ease.definition, {"successful": "no", "failure_reason": "other"}) == [
        "successful",
        "failure_reason",
        "failure_other",
    ]


def test_ease_asks_both_diagnoses_when_successful(ease):
    # spec ease-and-evaluation.md l.234 (paper l.1990–1995)
    answers = {"successful": "yes", "diagnosis_2d": "stable", "diagnosis_volume": "progression"}

    assert accepted(ease.definition, answers) == answers


def test_ease_refuses_a_diagnosis_after_a_failure(ease):
    with pytest.raises(AnswersError) as refused:
        accepted(
            ease.definition,
            {"successful": "no", "failure_reason": "software_error", "diagnosis_2d": "stable"},
        )

    assert list(refused.value.by_question()) == ["diagnosis_2d"]


def test_ease_failure_reasons_are_the_papers_plus_other(ease):
    reason = ease.definition["questions"][1]

    assert definitions.option_values(reason) == [
        "segmentation_unacceptable",
        "inconsistent_segmentations",
        "software_error",
        "other",
    ]
