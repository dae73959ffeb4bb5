"""What goes to the PACS about a reviewed segmentation, gathered from the database: volumes only
when it was found acceptable, each lesion with the reader's current verdict, and a warning for
every prior exam whose segmentation by the same AI came from other model versions."""

import pytest

from reviewer.cases.permissions import grant_patient
from reviewer.pacs.findings import NotSendable, current_assessment, findings
from reviewer.pacs.report import report_lines
from segmentation.compatibility import prior_warnings
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

TUMOUR = {"enhancing": 2000, "necrosis": 500, "oedema": 7500}  # 10.0 mL at 1 mm³
SMALL = {"oedema": 300}


@pytest.fixture
def exams():
    return list(patient_with_exams(exams=3, pseudonym="NR-FINDINGS").exams.order_by("order"))


@pytest.fixture
def reader(make_user, exams):
    user = make_user("radiologist", username="dr-reader", first_name="Ada", last_name="Reader")
    grant_patient(exams[0].patient, user)
    return user


@pytest.fixture
def unet():
    return model_version("unet-wt", "1.0")


def reviewed(exam, version, reader, **grading):
    made = segmentation(exam, TUMOUR, SMALL, source="model", model_version=version)
    return made, grade(made, reader, **grading)


def test_an_acceptable_segmentation_carries_its_region_and_lesion_volumes(exams, reader, unet):
    made, assessment = reviewed(exams[2], unet, reader)

    found = findings(made, assessment)

    assert found.region_volumes_ml["WT"] == pytest.approx(10.3)
    assert [lesion.volume_ml for lesion in found.lesions] == pytest.approx([10.0, 0.3])


def test_an_unacceptable_segmentation_carries_no_volume(exams, reader, unet):
    made, assessment = reviewed(exams[2], unet, reader, acceptable=False, grade=2)

    found = findings(made, assessment)

    assert found.region_volumes_ml is None
    assert [lesion.volume_ml for lesion in found.lesions] == [None, None]


def test_each_lesion_carries_the_current_verdict_and_added_lesions_follow(exams, reader, unet):
    made, assessment = reviewed(exams[2], unet, reader)
    first = judge(made, reader, 1, "rejected")
    judge(made, reader, 1, "accepted", supersedes=first)
    add_missed(made, reader)

    found = findings(made, assessment)

    assert [(lesion.name, lesion.verdict) for lesion in found.lesions] == [
        ("lesion 1", "accepted"),
        ("lesion 2", "undecided"),
        ("added lesion 1", "added"),
    ]


def test_priors_segmented_by_the_same_model_version_raise_no_warning(exams, reader, unet):
    for exam in exams[:2]:
        segmentation(exam, TUMOUR, source="model", model_version=unet)
    made, _ = reviewed(exams[2], unet, reader)

    assert prior_warnings(made) == []


def test_a_prior_segmented_by_another_version_of_the_model_is_named(exams, reader, unet):
    segmentation(exams[0], TUMOUR, source="model", model_version=unet)
    segmentation(exams[1], TUMOUR, source="model", model_version=model_version("unet-wt", "0.9"))
    made, _ = reviewed(exams[2], unet, reader)

    [warning] = prior_warnings(made)

    assert warning.startswith("Prior exam 1 was segmented by incompatible model versions")
    assert "unet-wt 0.9 (never live) against unet-wt 1.0 (never live)" in warning


def test_a_prior_this_ai_never_segmented_is_named(exams, reader, unet):
    segmentation(exams[1], TUMOUR, source="model", model_version=unet)
    made, _ = reviewed(exams[2], unet, reader)

    [warning] = prior_warnings(made)

    assert warning.startswith("Prior exam 0 has no segmentation by this AI")


def test_a_composite_compares_the_versions_of_its_parts(exams, reader):
    old, new = model_version("node-et", "1.0"), model_version("node-et", "2.0")
    before = [segmentation(exams[1], TUMOUR, source="model", model_version=old)]
    after = [segmentation(exams[2], TUMOUR, source="model", model_version=new)]
    composite(exams[1], TUMOUR, parts=before)
    made = composite(exams[2], TUMOUR, parts=after)

    warnings = prior_warnings(made)

    assert any("node-et 1.0 (never live) against node-et 2.0 (never live)" in w for w in warnings)


def test_a_composite_compares_with_the_composite_that_replaced_the_priors_old_one(exams, reader):
    old, new = model_version("node-et", "1.0"), model_version("node-et", "2.0")
    before = [segmentation(exams[1], TUMOUR, source="model", model_version=old)]
    again = [segmentation(exams[1], TUMOUR, source="model", model_version=new)]
    after = [segmentation(exams[2], TUMOUR, source="model", model_version=new)]
    replaced = composite(exams[1], TUMOUR, parts=before)
    composite(exams[1], TUMOUR, parts=again, replaces=replaced)
    made = composite(exams[2], TUMOUR, parts=after)

    assert prior_warnings(made, priors=[exams[1]]) == []


def test_a_replaced_composite_is_not_sent_to_the_pacs(exams, reader):
    replaced = composite(exams[1], TUMOUR)
    grade(replaced, reader)
    successor = composite(exams[1], TUMOUR, replaces=replaced)

    with pytest.raises(NotSendable, match=f"replaced by segmentation {successor.pk}"):
        current_assessment(replaced)


def test_a_prior_segmented_by_a_compatible_version_raises_no_warning(exams, reader, unet):
    older = model_version("unet-wt", "0.9")
    ModelVersion.objects.filter(pk__in=[older.pk, unet.pk]).update(compatibility_group=1)
    for exam in exams[:2]:
        segmentation(exam, TUMOUR, source="model", model_version=older)
    made, _ = reviewed(exams[2], ModelVersion.objects.get(pk=unet.pk), reader)

    assert prior_warnings(made) == []


def test_a_prior_of_another_compatibility_group_is_named_with_both_groups(exams, reader, unet):
    older = model_version("unet-wt", "0.9")
    ModelVersion.objects.filter(pk=older.pk).update(compatibility_group=1)
    ModelVersion.objects.filter(pk=unet.pk).update(compatibility_group=2)
    for exam in exams[:2]:
        segmentation(exam, TUMOUR, source="model", model_version=older)
    made, _ = reviewed(exams[2], ModelVersion.objects.get(pk=unet.pk), reader)

    warnings = prior_warnings(made)

    assert len(warnings) == 2
    assert all(
        "unet-wt 0.9 (compatibility group 1) against unet-wt 1.0 (compatibility group 2)" in w
        for w in warnings
    )


def test_the_report_withholds_volumes_of_an_unacceptable_segmentation(exams, reader, unet):
    made, assessment = reviewed(exams[2], unet, reader, acceptable=False, grade=2)

    lines = report_lines(made, assessment, findings(made, assessment), [], study_date="20240305")

    assert "Volumes: withheld, the segmentation was found not acceptable." in lines
    assert not [line for line in lines if "mL" in line]
    assert "  NOT ACCEPTABLE, grade 2 Poor" in lines


def test_the_report_states_reader_comment_volumes_and_warnings(exams, reader, unet):
    made, assessment = reviewed(exams[2], unet, reader, comment="Check the left margin.")
    warning = "Prior exam 1 was segmented by unet-wt 0.9"

    lines = report_lines(
        made, assessment, findings(made, assessment), [warning], study_date="20240305"
    )

    assert "Exam: study of 2024-03-05, exam 2 in NeuroReview (0 = baseline)" in lines
    assert "AI: unet-wt 1.0" in lines
    assert any(line.startswith("Quality assessment by Ada Reader") for line in lines)
    assert "  Comment: Check the left margin." in lines
    assert "  whole tumour: 10.30 mL" in lines
    assert f"WARNING: {warning}" in lines
