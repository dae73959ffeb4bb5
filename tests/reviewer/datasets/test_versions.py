"""Reference dataset versions: a manifest of cases with the sha256 of every series and reference
label, named by its own hash; any change makes a new version, two versions can be diffed, and
the database refuses every change to a version, its cases, and what its cases hash."""

import pytest
from django.db import IntegrityError, InternalError, transaction

from reviewer.datasets.models import DatasetCase, DatasetVersion, ReferenceDataset
from reviewer.datasets.versions import (
    Strata,
    VersionError,
    create_version,
    diff,
    manifest,
)
from reviewer.datasets.versions import manifest_sha256 as manifest_sha256_of
from tests.reviewer.datasets.conftest import TUMOUR
from tests.reviewer.worklist.builders import model_version, segmentation

pytestmark = pytest.mark.django_db

# what PostgreSQL's triggers raise (restrict_violation), as Django maps it
REFUSED = (IntegrityError, InternalError)


@pytest.fixture
def dataset(make_user):
    return ReferenceDataset.objects.create(
        name="glioma-reference", created_by=make_user("qa_admin")
    )


def made(dataset, exams, **fields):
    return create_version(dataset, exams, user=dataset.created_by, **fields)


def refused(change) -> str:
    with pytest.raises(REFUSED) as error, transaction.atomic():
        change()
    return str(error.value)


def test_a_version_records_every_series_and_label_hash_and_is_sealed(dataset, exams):
    version = made(dataset, exams[:2])

    case = version.cases.get(key="NR-DATASET/0")
    assert version.number == 1 and version.sealed_at is not None
    assert case.series_sha256 == {s.sequence: s.sha256 for s in exams[0].series.all()}
    assert case.label_sha256 == exams[0].segmentations.get().sha256


def test_the_same_cases_give_the_same_hash_in_another_dataset(dataset, exams, make_user):
    other = ReferenceDataset.objects.create(name="copy", created_by=make_user("qa_admin"))

    assert made(dataset, exams).sha256 == made(other, list(reversed(exams))).sha256


def test_the_same_cases_as_the_latest_version_make_no_new_version(dataset, exams):
    made(dataset, exams)

    with pytest.raises(VersionError, match="no change"):
        made(dataset, exams)
    assert dataset.versions.count() == 1


def test_an_ai_segmentation_is_refused_as_a_reference_label(dataset, exams):
    ai = segmentation(exams[0], TUMOUR, source="model", model_version=model_version("unet"))

    with pytest.raises(VersionError, match="not a reference"):
        made(dataset, exams, labels=[ai])


def test_an_exam_without_a_reference_label_is_refused_by_name(dataset, exams):
    exams[2].segmentations.all().delete()

    with pytest.raises(VersionError, match="NR-DATASET/2"):
        made(dataset, exams)
    assert not DatasetVersion.objects.exists()


def test_a_diff_names_cases_added_removed_and_relabelled(dataset, exams, make_user):
    first = made(dataset, exams[:2])
    corrected = segmentation(
        exams[1], {"oedema": 100}, source="reader", reader=make_user("qa_admin")
    )

    second = made(dataset, exams[1:], labels=[corrected])

    changes = diff(first, second)
    assert (changes.added, changes.removed, changes.relabelled) == (
        ["NR-DATASET/2"],
        ["NR-DATASET/0"],
        ["NR-DATASET/1"],
    )
    assert not changes.unchanged


def test_a_cases_strata_are_part_of_its_manifest_entry(dataset, exams):
    version = made(dataset, exams[:2], strata={exams[0].pk: Strata.given(" GBM ", "Centre A")})

    first, second = manifest(version)

    assert (first["tumour_group"], first["site"]) == ("GBM", "Centre A")
    assert "tumour_group" not in second and "site" not in second  # none recorded: no keys


def test_a_version_that_records_no_strata_hashes_as_before_strata_existed(dataset, exams):
    version = made(dataset, exams[:1])

    assert version.sha256 == manifest_sha256_of(
        [
            {
                "case": "NR-DATASET/0",
                "series": {s.sequence: s.sha256 for s in exams[0].series.all()},
                "label": exams[0].segmentations.get().sha256,
            }
        ]
    )


def test_new_strata_alone_make_a_new_version_whose_diff_names_the_case(dataset, exams):
    first = made(dataset, exams[:2])

    second = made(dataset, exams[:2], strata={exams[1].pk: Strata("LGG", "")})

    changes = diff(first, second)
    assert changes.restratified == ["NR-DATASET/1"]
    assert (changes.added, changes.removed, changes.relabelled, changes.reimaged) == (
        [], [], [], [],
    )  # fmt: skip


def test_a_new_version_keeps_the_strata_the_latest_one_recorded(dataset, exams):
    made(dataset, exams[:1], strata={exams[0].pk: Strata("GBM", "Centre B")})

    second = made(dataset, exams[:2])

    case = second.cases.get(exam=exams[0])
    assert (case.tumour_group, case.site) == ("GBM", "Centre B")


def test_editing_a_case_of_a_version_is_refused_by_the_database(dataset, exams):
    case = made(dataset, exams).cases.first()

    message = refused(lambda: DatasetCase.objects.filter(pk=case.pk).update(label_sha256="0" * 64))

    assert "UPDATE refused" in message


def test_deleting_a_case_of_a_version_is_refused_by_the_database(dataset, exams):
    case = made(dataset, exams).cases.first()

    message = refused(lambda: DatasetCase.objects.filter(pk=case.pk).delete())

    assert "is sealed" in message


def test_adding_a_case_to_a_version_is_refused_by_the_database(dataset, exams):
    version = made(dataset, exams[:2])
    case = version.cases.first()

    message = refused(
        lambda: DatasetCase.objects.create(
            version=version,
            exam=exams[2],
            reference=exams[2].segmentations.get(),
            key="NR-DATASET/2",
            series_sha256={},
            label_sha256=case.label_sha256,
        )
    )

    assert "is sealed" in message


def test_changing_a_version_is_refused_by_the_database(dataset, exams):
    version = made(dataset, exams)

    message = refused(lambda: DatasetVersion.objects.filter(pk=version.pk).update(sha256="0" * 64))

    assert "is sealed" in message


def test_relabelling_a_reference_label_a_version_hashes_is_refused_by_the_database(dataset, exams):
    made(dataset, exams)
    label = exams[0].segmentations.get()

    message = refused(lambda: type(label).objects.filter(pk=label.pk).update(sha256="f" * 64))

    assert "hashed by a dataset version" in message


def test_replacing_a_series_a_version_hashes_is_refused_by_the_database(dataset, exams):
    made(dataset, exams)
    series = exams[0].series.first()

    message = refused(lambda: type(series).objects.filter(pk=series.pk).update(sha256="f" * 64))

    assert "hashed by a dataset version" in message


def test_series_of_exams_in_no_version_can_still_change(dataset, exams):
    made(dataset, exams[:1])
    series = exams[1].series.first()

    type(series).objects.filter(pk=series.pk).update(sha256="f" * 64)

    series.refresh_from_db()
    assert series.sha256 == "f" * 64
