"""Ensemble thresholds frozen over a named cohort (R-ALM-02): median − α·MAD per target,
candidate and metric, α from the current rules, stored and append-only; once a set is frozen,
ensemble alarms are scored against it and name it, rather than against whatever was measured
last."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from reviewer.alarms import ensemble
from reviewer.alarms.models import Alarm, EnsembleAgreement, FrozenThreshold, ThresholdSet
from reviewer.alarms.thresholds import FreezeError, freeze_thresholds
from tests.reviewer.alarms.builders import candidate, rules_version
from tests.reviewer.factories import ExamFactory

pytestmark = pytest.mark.django_db

DICE = [0.90, 0.92, 0.94, 0.96, 0.98]  # median 0.94, MAD 0.02
HAUSDORFF = [2.0, 4.0, 6.0, 8.0, 10.0]  # median 6, MAD 2


@pytest.fixture
def members():
    return candidate("U-Net A"), candidate("U-Net B")


@pytest.fixture
def cohort(members):
    """Five exams on which member A scored DICE/HAUSDORFF and member B perfectly."""
    exams = []
    for dice, hausdorff in zip(DICE, HAUSDORFF, strict=True):
        exam = ExamFactory()
        measure(exam, members[0], dice, hausdorff)
        measure(exam, members[1], 1.0, 1.0)
        exams.append(exam)
    return exams


def measure(exam, member, dice, hausdorff):
    EnsembleAgreement.objects.create(
        exam=exam, target="WT", model_version=member, dice=dice, hausdorff_mm=hausdorff
    )


def frozen_value(threshold_set, member, metric) -> FrozenThreshold:
    return threshold_set.thresholds.get(target="WT", model_version=member, metric=metric)


def test_a_frozen_threshold_is_median_minus_alpha_mad_of_the_cohort(cohort, members):
    frozen = freeze_thresholds(cohort="reference 2026", patients=None).threshold_set

    dice = frozen_value(frozen, members[0], "dice")
    assert (dice.median, dice.mad, dice.alpha, dice.cohort_size) == pytest.approx(
        (0.94, 0.02, 0.1, 5)
    )
    assert dice.threshold == pytest.approx(0.938)


def test_a_distance_threshold_is_median_plus_alpha_mad(cohort, members):
    frozen = freeze_thresholds(cohort="reference 2026").threshold_set

    assert frozen_value(frozen, members[0], "hausdorff").threshold == pytest.approx(6.2)


def test_alpha_comes_per_target_and_metric_from_the_current_rules(cohort, members):
    rules_version(ensemble_alpha={"WT": {"hausdorff": 1.0}})

    frozen = freeze_thresholds(cohort="reference 2026").threshold_set

    assert frozen_value(frozen, members[0], "hausdorff").threshold == pytest.approx(8.0)
    assert frozen_value(frozen, members[0], "dice").alpha == 0.1


def test_the_set_records_its_cohort_its_exams_and_who_froze_it(cohort, make_user):
    qa_admin = make_user("qa_admin")

    frozen = freeze_thresholds(cohort="reference 2026", user=qa_admin).threshold_set

    assert (frozen.cohort, frozen.created_by) == ("reference 2026", qa_admin)
    assert frozen.exam_ids == sorted(exam.pk for exam in cohort)


def test_a_candidate_with_too_few_finite_values_is_left_out_and_named(cohort, members):
    late = candidate("U-Net C")
    measure(cohort[0], late, 0.9, 3.0)

    frozen = freeze_thresholds(cohort="reference 2026")

    assert not frozen.threshold_set.thresholds.filter(model_version=late).exists()
    assert "WT U-Net C test: 1 finite dice values (fewer than 5)" in frozen.left_out


def test_freezing_before_anything_was_measured_is_refused_naming_why():
    with pytest.raises(FreezeError, match="no ensemble agreement has been measured yet"):
        freeze_thresholds(cohort="reference 2026")


def test_freezing_over_a_patient_never_measured_is_refused_naming_them(cohort):
    with pytest.raises(FreezeError, match="NR-NOBODY"):
        freeze_thresholds(cohort="reference 2026", patients=["NR-NOBODY"])


@pytest.mark.parametrize(
    "sql", ["UPDATE alarms_frozenthreshold SET threshold = 0", "DELETE FROM alarms_thresholdset"]
)
def test_the_database_refuses_to_change_a_frozen_set(cohort, sql):
    freeze_thresholds(cohort="reference 2026")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def discordant_exam(members) -> object:
    """An exam on which member A is far from the fusion: Dice 0.5, Hausdorff 30 mm."""
    exam = ExamFactory()
    measure(exam, members[0], 0.5, 30.0)
    measure(exam, members[1], 1.0, 1.0)
    return exam


def test_once_frozen_alarms_are_scored_against_the_set_and_name_it(cohort, members):
    frozen = freeze_thresholds(cohort="reference 2026").threshold_set
    exam = discordant_exam(members)

    ensemble.refresh_alarms()

    alarm = Alarm.objects.get(exam=exam, evidence__metric="dice")
    assert alarm.threshold_set == frozen
    assert alarm.evidence["threshold"] == pytest.approx(0.938)
    assert (alarm.evidence["cohort"], alarm.evidence["threshold_set"]) == (
        "reference 2026",
        frozen.pk,
    )
    assert (alarm.evidence["median"], alarm.evidence["mad"]) == pytest.approx((0.94, 0.02))


def test_new_exams_do_not_move_a_frozen_threshold(cohort, members):
    freeze_thresholds(cohort="reference 2026")
    poor = [discordant_exam(members) for _ in range(10)]  # would drag a live median to 0.5

    ensemble.refresh_alarms()

    alarms = Alarm.objects.filter(exam__in=poor, evidence__metric="dice")
    assert [a.evidence["threshold"] for a in alarms] == pytest.approx([0.938] * 10)


def test_before_any_set_is_frozen_thresholds_are_live_over_every_exam(cohort, members):
    exam = discordant_exam(members)

    ensemble.refresh_alarms()

    alarm = Alarm.objects.get(exam=exam, evidence__metric="dice")
    assert alarm.threshold_set is None
    assert alarm.evidence["cohort"] == "every exam measured so far"
    assert alarm.evidence["cohort_size"] == 6


def test_a_candidate_missing_from_the_frozen_set_is_not_scored(cohort, members):
    freeze_thresholds(cohort="reference 2026")
    exam = discordant_exam(members)
    measure(exam, candidate("U-Net C"), 0.1, 90.0)

    ensemble.refresh_alarms()

    scored = set(Alarm.objects.filter(exam=exam).values_list("evidence__model_version", flat=True))
    assert scored == {"U-Net A test"}


def test_the_command_freezes_a_set_and_scores_every_exam_against_it(cohort, members):
    exam = discordant_exam(members)
    out = io.StringIO()

    call_command("freeze_alarm_thresholds", cohort="demo", minimum_exams=3, stdout=out)

    frozen = ThresholdSet.objects.get()
    assert f"Froze 4 thresholds as set {frozen.pk} over 'demo' (6 exams)" in out.getvalue()
    assert Alarm.objects.filter(exam=exam, threshold_set=frozen).exists()


def test_the_command_names_the_option_that_is_wrong(cohort):
    with pytest.raises(CommandError, match="--minimum-exams: no candidate has enough"):
        call_command("freeze_alarm_thresholds", cohort="demo", minimum_exams=50)


SETS = "/api/alarms/threshold-sets/"


def test_a_qa_admin_freezes_a_set_through_the_api(
    cohort, client_for, make_user, django_capture_on_commit_callbacks
):
    api = client_for(make_user("qa_admin"))

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(SETS, {"cohort": "reference 2026"}, "application/json")

    assert response.status_code == 201
    assert len(response.json()["thresholds"]) == 4 and response.json()["left_out"] == []
    assert [c.__self__.task for c in callbacks] == ["reviewer.alarms.tasks.refresh_ensemble_alarms"]
    assert api.get(f"{SETS}{response.json()['id']}/").json()["cohort"] == "reference 2026"


def test_a_freeze_without_a_cohort_name_is_400_naming_it(cohort, client_for, make_user):
    response = client_for(make_user("qa_admin")).post(SETS, {"cohort": ""}, "application/json")

    assert response.status_code == 400 and "cohort" in response.json()


def test_a_freeze_of_nothing_measured_is_400_naming_why(client_for, make_user):
    response = client_for(make_user("qa_admin")).post(SETS, {"cohort": "x"}, "application/json")

    assert response.status_code == 400
    assert "no ensemble agreement" in response.json()["patients"][0]


def test_a_radiologist_may_neither_read_nor_freeze_threshold_sets(cohort, client_for, make_user):
    api = client_for(make_user("radiologist"))

    assert api.get(SETS).status_code == 403
    assert api.post(SETS, {"cohort": "x"}, "application/json").status_code == 403
    assert not ThresholdSet.objects.exists()


def test_an_unknown_threshold_set_is_404(client_for, make_user):
    assert client_for(make_user("qa_admin")).get(f"{SETS}999999/").status_code == 404
