"""Clinical alarms in the database: what a patient's composites and new-lesion detections raise
under the current rules, and what evaluating again does to the alarms that stand (kept with their
verdicts while they hold, cleared and kept when they no longer do)."""

import pytest

from reviewer.alarms import clinical, verdicts
from reviewer.alarms.models import Alarm, RuleConfiguration
from tests.reviewer.alarms.builders import (
    add_lesion,
    composite,
    detection,
    rules_version,
    tumour,
)
from tests.reviewer.factories import ExamFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return PatientFactory(disease="glioma")


def exams(patient, count=3):
    return [ExamFactory(patient=patient, order=order) for order in range(count)]


def test_growth_raises_one_alarm_on_the_grown_composite_naming_the_rules_version(patient):
    first, second = exams(patient, 2)
    tumour(first, 10.0)
    grown = tumour(second, 15.0)

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get()
    assert (alarm.exam, alarm.segmentation, alarm.kind) == (second, grown, "growth")
    assert alarm.rule_configuration == RuleConfiguration.objects.current()
    assert alarm.evidence["rules_version"] == alarm.rule_configuration.version == 1


def test_evaluating_again_leaves_an_alarm_that_still_holds_with_its_verdict(patient, make_user):
    first, second = exams(patient, 2)
    tumour(first, 10.0)
    tumour(second, 15.0)
    clinical.evaluate_patient(patient)
    alarm = Alarm.objects.get()
    verdicts.record_verdict(user=make_user("radiologist"), alarm=alarm, true_alarm=True)

    clinical.evaluate_patient(patient)

    assert list(Alarm.objects.open()) == [alarm]
    assert alarm.verdicts.count() == 1


def test_an_alarm_whose_finding_no_longer_holds_is_cleared_and_kept(patient):
    first, second = exams(patient, 2)
    tumour(first, 10.0)
    tumour(second, 15.0)
    clinical.evaluate_patient(patient)
    rules_version(growth_percent=60.0)

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get()
    assert alarm.cleared_at is not None and alarm.kind == "growth"


def test_a_rule_that_is_not_enabled_raises_nothing(patient):
    first, second = exams(patient, 2)
    tumour(first, 10.0)
    tumour(second, 15.0)
    rules_version(growth_enabled=False)

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.exists()


def test_a_composite_is_compared_with_the_same_family_only(patient):
    first, second = exams(patient, 2)
    tumour(first, 10.0, family="node")
    tumour(second, 30.0, family="unet")

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.exists()


def test_the_two_nearest_earlier_composites_are_the_priors(patient):
    baseline, unsegmented, middle, current = exams(patient, 4)
    tumour(baseline, 5.0)
    tumour(middle, 14.0)
    tumour(current, 15.0)

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get(exam=current)
    assert [p["exam"] for p in alarm.evidence["priors"]] == [middle.pk, baseline.pk]
    assert unsegmented.pk not in [p["exam"] for p in alarm.evidence["priors"]]


def test_a_later_exam_is_evaluated_again_when_an_earlier_one_is_segmented(patient):
    first, second = exams(patient, 2)
    tumour(second, 15.0)
    clinical.evaluate_patient(patient)
    assert not Alarm.objects.exists()

    tumour(first, 10.0)
    clinical.evaluate_patient(patient)

    assert Alarm.objects.get().exam == second


def test_components_below_the_minimum_volume_add_nothing_to_the_volume(patient):
    first, second = exams(patient, 2)
    tumour(first, 10.0)
    specks = tumour(second, 12.0)
    for _ in range(40):  # 40 × 0.05 mL of specks would make +40 % if they counted
        add_lesion(specks, label_ml={2: 0.05})

    clinical.evaluate_patient(patient)

    assert not Alarm.objects.filter(kind="growth").exists()


def test_the_growth_region_is_a_setting(patient):
    first, second = exams(patient, 2)
    before, after = composite(first), composite(second)
    add_lesion(before, label_ml={1: 2.0, 2: 20.0, 4: 2.0})  # core 4 mL
    add_lesion(after, label_ml={1: 3.0, 2: 18.0, 4: 3.0})  # core 6 mL (+50 %), WT +0 %
    rules_version(growth_region="TC")

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get()
    assert alarm.evidence["region"] == "TC" and alarm.evidence["volume_ml"] == 6.0


def test_many_components_on_a_composite_raise_possible_false_positives(patient):
    [exam] = exams(patient, 1)
    specks = tumour(exam, 12.0)
    for _ in range(50):
        add_lesion(specks, label_ml={2: 0.01})

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get()
    assert alarm.kind == "many_components" and alarm.evidence["components"] == 51


def test_a_new_lesion_larger_than_12_mm3_in_a_detection_is_new_activity():
    patient = PatientFactory(disease="ms")
    first, second = exams(patient, 2)
    found = detection(second)
    add_lesion(found, label_ml={1: 0.020})  # 20 mm³
    add_lesion(found, label_ml={1: 0.008})  # 8 mm³: too small to count

    clinical.evaluate_patient(patient)

    alarm = Alarm.objects.get()
    assert (alarm.exam, alarm.segmentation, alarm.kind) == (second, found, "new_lesion")
    assert alarm.evidence["new_lesion_count"] == 1
    assert alarm.evidence["new_lesions"][0]["volume_mm3"] == 20.0


@pytest.mark.parametrize(("listed", "raised"), [(["other"], True), ([], False)])
def test_haemorrhage_expansion_applies_to_the_listed_diseases_only(listed, raised):
    patient = PatientFactory(disease="other")
    first, second = exams(patient, 2)
    before, after = composite(first, scheme="lesion"), composite(second, scheme="lesion")
    add_lesion(before, label_ml={1: 15.6})
    add_lesion(after, label_ml={1: 23.5})
    rules_version(haemorrhage_diseases=listed, growth_enabled=False)

    clinical.evaluate_patient(patient)

    assert Alarm.objects.filter(kind="haemorrhage_expansion").exists() is raised
