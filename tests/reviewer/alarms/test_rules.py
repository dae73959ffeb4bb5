"""The clinical rules on measured volumes and lesions, at their boundaries: growth against either
prior (EASE's +40 %), haemorrhage expansion (≥ 6 mL or ≥ 33 %, spec AT-12 and AT-13), MS new
activity (a new lesion strictly larger than 12 mm³) and many components."""

import pytest

from reviewer.alarms.rules import (
    ComponentCount,
    GrowthRule,
    HaemorrhageRule,
    ManyComponentsRule,
    NewActivityRule,
    NewLesion,
    RegionVolume,
)

GROWTH = GrowthRule(version=3, percent=40.0, region="WT", minimum_ml=1.0)
HAEMORRHAGE = HaemorrhageRule(version=3, ml=6.0, percent=33.0)
NEW_ACTIVITY = NewActivityRule(version=3, minimum_mm3=12.0)
MANY = ManyComponentsRule(version=3, count=50)


def volume(ml: float, order: int, segmentation: int | None = None) -> RegionVolume:
    return RegionVolume(
        exam_id=100 + order,
        exam_order=order,
        exam_date=f"2024-0{order + 1}-01",
        segmentation_id=segmentation or 200 + order,
        volume_ml=ml,
    )


def test_growth_of_exactly_40_percent_against_the_previous_exam_raises_an_alarm():
    finding = GROWTH.evaluate(volume(14.0, 2), [volume(10.0, 1), volume(13.0, 0)], "Neural ODE")

    assert finding is not None and finding.kind == "growth"
    assert finding.evidence["priors"][0]["change_percent"] == 40.0
    assert "+40 % against exam 1 (10.0 mL)" in finding.reason


def test_growth_just_under_40_percent_against_both_priors_raises_nothing():
    assert GROWTH.evaluate(volume(13.99, 2), [volume(10.0, 1), volume(10.0, 0)], "NODE") is None


def test_growth_against_the_older_prior_alone_raises_an_alarm_with_both_changes():
    finding = GROWTH.evaluate(volume(15.0, 2), [volume(13.0, 1), volume(10.0, 0)], "NODE")

    assert [p["change_percent"] for p in finding.evidence["priors"]] == [15.4, 50.0]
    assert "against exam 0" in finding.reason and "against exam 1" not in finding.reason


def test_growth_of_a_volume_under_the_minimum_raises_nothing():
    assert GROWTH.evaluate(volume(0.8, 1), [volume(0.2, 0)], "NODE") is None


def test_a_region_absent_at_the_prior_that_appeared_has_grown():
    finding = GROWTH.evaluate(volume(5.0, 1), [volume(0.0, 0)], "NODE")

    assert finding.evidence["priors"][0]["change_percent"] is None
    assert "appeared against exam 0" in finding.reason


def test_a_growth_alarm_keeps_its_parameters_and_rules_version_in_its_evidence():
    finding = GROWTH.evaluate(volume(20.0, 1, segmentation=7), [volume(10.0, 0, 5)], "U-Net")

    assert finding.evidence["parameters"] == {"percent": 40.0, "region": "WT", "minimum_ml": 1.0}
    assert finding.evidence["rules_version"] == 3
    assert finding.evidence["volume_ml"] == 20.0 and finding.evidence["family"] == "U-Net"
    assert finding.key == "growth:7:5" and finding.segmentation_id == 7


@pytest.mark.parametrize(
    ("prior", "current", "expanded"),
    [
        (30.0, 36.0, True),  # +6.0 mL (+20 %): HE
        (18.21, 24.2, False),  # +5.99 mL and +32.9 %: not HE
        (10.0, 13.3, True),  # +33.0 % (+3.3 mL): HE
        (15.6, 23.5, True),  # the paper's Figure 2: +7.9 mL, +50.6 %
        (0.0, 5.0, False),  # from nothing only the absolute criterion applies
    ],
    ids=["+6.0 mL", "+5.99 mL +32.9 %", "+33.0 %", "figure 2", "from 0 mL"],
)
def test_haemorrhage_expansion_boundaries_of_the_spec(prior, current, expanded):
    finding = HAEMORRHAGE.evaluate(volume(current, 1), volume(prior, 0), "ICH")

    assert (finding is not None) is expanded


def test_haemorrhage_expansion_evidence_names_the_previous_exam_and_the_change():
    finding = HAEMORRHAGE.evaluate(volume(23.5, 1), volume(15.6, 0), "ICH")

    assert finding.evidence["previous"]["change_ml"] == 7.9
    assert finding.evidence["previous"]["change_percent"] == 50.6
    assert finding.evidence["parameters"] == {"ml": 6.0, "percent": 33.0}


def new_lesion(index: int, mm3: float) -> NewLesion:
    return NewLesion(lesion_id=500 + index, index=index, volume_mm3=mm3, centroid_mm=[0, 0, 0])


def test_a_new_lesion_of_exactly_12_mm3_is_no_new_activity():
    assert NEW_ACTIVITY.evaluate(9, [new_lesion(1, 12.0), new_lesion(2, 4.0)]) is None


def test_a_new_lesion_larger_than_12_mm3_is_new_activity_and_asks_for_gadolinium():
    finding = NEW_ACTIVITY.evaluate(9, [new_lesion(1, 40.0), new_lesion(2, 12.5), new_lesion(3, 8)])

    assert finding.kind == "new_lesion" and finding.segmentation_id == 9
    assert finding.evidence["consider_gadolinium"] is True
    assert finding.evidence["new_lesion_count"] == 2
    assert [le["index"] for le in finding.evidence["new_lesions"]] == [1, 2]
    assert "consider gadolinium" in finding.reason


def test_new_activity_evidence_names_at_most_the_20_largest_lesions_but_counts_all():
    finding = NEW_ACTIVITY.evaluate(9, [new_lesion(i, 100.0 - i) for i in range(1, 31)])

    assert finding.evidence["new_lesion_count"] == 30
    assert len(finding.evidence["new_lesions"]) == 20


def test_exactly_the_component_threshold_is_not_many_components():
    assert (
        MANY.evaluate(ComponentCount(4, listed=10, below_minimum=40, minimum_lesion_ml=0.1), "x")
        is None
    )


def test_one_component_over_the_threshold_raises_many_components_counting_the_specks():
    finding = MANY.evaluate(
        ComponentCount(4, listed=3, below_minimum=48, minimum_lesion_ml=0.1), "U-Net"
    )

    assert finding.kind == "many_components"
    assert finding.evidence["components"] == 51 and finding.evidence["below_minimum"] == 48
    assert "48 below the minimum of 0.1 mL" in finding.reason
