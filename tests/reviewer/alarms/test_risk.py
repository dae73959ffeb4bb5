"""The risk score: 100 × the worst counting alarm's severity + their number, per exam and per
patient; the worklist's annotation agrees with the case's alarm lines; a false-alarm verdict
takes an alarm out of the risk."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from reviewer.alarms import verdicts
from reviewer.alarms.models import Alarm
from reviewer.alarms.risk import SEVERITY, exam_line, with_risk
from reviewer.alarms.services import case_alarm_state
from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.models import Exam, Patient
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db
UNBLINDED = AnonymousUser()  # reads in no reader study: every alarm counts for them


def flag(exam, kind: str, count: int = 1) -> list[Alarm]:
    return [Alarm.objects.create(exam=exam, kind=kind, reason=kind) for _ in range(count)]


def patient_with(*kinds: str, pseudonym: str) -> Patient:
    exam = ExamFactory(patient=PatientFactory(pseudonym=pseudonym))
    for kind in kinds:
        flag(exam, kind)
    return exam.patient


def risk_of(patient: Patient) -> int:
    return with_risk(Patient.objects.filter(pk=patient.pk), UNBLINDED).get().risk_score


def test_severity_puts_growth_and_new_activity_above_unreliable_output():
    assert SEVERITY["haemorrhage_expansion"] > SEVERITY["growth"] == SEVERITY["new_lesion"]
    assert SEVERITY["new_lesion"] > SEVERITY["unreliable"] > SEVERITY["many_components"]


def test_one_growth_alarm_outranks_forty_unreliable_outputs():
    grown = patient_with("growth", pseudonym="NR-GROWN")
    discordant = patient_with(*["unreliable"] * 40, pseudonym="NR-DISCORD")
    calm = patient_with(pseudonym="NR-CALM")

    ranked = with_risk(Patient.objects.all(), UNBLINDED).order_by("-risk_score", "pseudonym")

    assert [(p.pseudonym, p.risk_score) for p in ranked] == [
        (grown.pseudonym, 301), (discordant.pseudonym, 240), (calm.pseudonym, 0),
    ]  # fmt: skip


def test_more_alarms_of_the_same_worst_severity_rank_higher():
    assert risk_of(patient_with("growth", "new_lesion", pseudonym="NR-TWO")) == 302
    assert risk_of(patient_with("growth", "many_components", pseudonym="NR-ONE")) == 302


def test_the_count_is_capped_so_it_never_reaches_the_next_severity():
    exam = ExamFactory()
    flag(exam, "unreliable", 120)

    assert risk_of(exam.patient) == 299


def test_a_patients_risk_counts_the_alarms_of_all_their_exams():
    patient = PatientFactory()
    flag(ExamFactory(patient=patient, order=0), "growth")
    flag(ExamFactory(patient=patient, order=1), "unreliable", 2)

    assert risk_of(patient) == 303
    assert case_alarm_state(patient, UNBLINDED)["patient_risk_score"] == 303


def test_the_exam_annotation_gives_each_exam_its_own_score():
    patient = PatientFactory()
    first, second = ExamFactory(patient=patient, order=0), ExamFactory(patient=patient, order=1)
    flag(first, "growth")
    flag(second, "unreliable", 2)

    scores = dict(
        with_risk(Exam.objects.filter(patient=patient), UNBLINDED).values_list("pk", "risk_score")
    )

    assert scores == {first.pk: 301, second.pk: 202}


def test_a_false_alarm_verdict_takes_the_alarm_out_of_the_risk(make_user):
    exam = ExamFactory()
    [growth] = flag(exam, "growth")
    flag(exam, "unreliable")

    verdicts.record_verdict(user=make_user("radiologist"), alarm=growth, true_alarm=False)

    assert risk_of(exam.patient) == 201


def test_a_true_alarm_verdict_keeps_the_alarm_in_the_risk(make_user):
    exam = ExamFactory()
    [growth] = flag(exam, "growth")

    verdicts.record_verdict(user=make_user("radiologist"), alarm=growth, true_alarm=True)

    assert risk_of(exam.patient) == 301


def test_a_changed_mind_counts_the_latest_verdict(make_user):
    exam = ExamFactory()
    [growth] = flag(exam, "growth")
    reader = make_user("radiologist")
    first = verdicts.record_verdict(user=reader, alarm=growth, true_alarm=False)

    verdicts.record_verdict(user=reader, alarm=growth, true_alarm=True, supersedes=first)

    assert risk_of(exam.patient) == 301


def test_a_cleared_alarm_counts_no_more():
    exam = ExamFactory()
    [growth] = flag(exam, "growth")
    Alarm.objects.filter(pk=growth.pk).update(cleared_at=timezone.now())

    assert risk_of(exam.patient) == 0


def test_the_risk_annotation_multiplies_no_worklist_count():
    patient = PatientFactory()
    for order in range(3):
        flag(ExamFactory(patient=patient, order=order), "unreliable", 2)

    patients = Patient.objects.filter(pk=patient.pk).with_worklist_columns(
        exams_without_ai(UNBLINDED)
    )
    row = with_risk(patients, UNBLINDED).get()

    assert (row.exam_count, row.open_alarm_count, row.risk_score) == (3, 6, 206)


def test_the_annotation_agrees_with_the_cases_alarm_lines(make_user):
    patient = PatientFactory()
    first, second = ExamFactory(patient=patient, order=0), ExamFactory(patient=patient, order=1)
    flag(first, "many_components", 3)
    dismissed = flag(second, "new_lesion")[0]
    flag(second, "unreliable")
    verdicts.record_verdict(user=make_user("qa_admin"), alarm=dismissed, true_alarm=False)

    state = case_alarm_state(patient, UNBLINDED)

    annotated = dict(
        with_risk(Exam.objects.filter(patient=patient), UNBLINDED).values_list("pk", "risk_score")
    )
    assert {line["exam"]: line["risk_score"] for line in state["exams"]} == annotated
    assert state["patient_risk_score"] == risk_of(patient) == 204


def test_an_exams_line_lists_the_kinds_worst_first_with_their_counts():
    exam = ExamFactory()
    alarms = flag(exam, "unreliable", 3) + flag(exam, "growth") + flag(exam, "many_components")

    line = exam_line(exam.pk, alarms, judged_false={alarms[-1].pk})

    assert [k["kind"] for k in line["kinds"]] == ["growth", "unreliable"]
    assert line["summary"] == "Growth · Unreliable output ×3"
    assert (line["risk_score"], line["open"], line["dismissed"]) == (304, 5, 1)
