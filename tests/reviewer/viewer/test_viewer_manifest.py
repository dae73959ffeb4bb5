"""The viewer manifest: which exams, their geometry in LPS, windows, segmentations with lesions
and their change, flows, the cohort ACC band, alarms, and who may read it."""

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging.labels import LabelScheme
from reviewer.alarms.models import Alarm
from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from reviewer.core.storage import read_nifti
from reviewer.viewer.models import Registration
from reviewer.viewer.preparation import prepare_patients
from segmentation.models import AccCurves, Segmentation
from tests.reviewer.viewer.viewer_builders import (
    SHAPE,
    lesion_map,
    model_version,
    stored_exam,
    stored_segmentation,
)

pytestmark = pytest.mark.django_db

LESION_A = (slice(3, 6), slice(3, 6), slice(2, 4))  # 18 voxels
LESION_A_GROWN = (slice(3, 7), slice(3, 6), slice(2, 4))  # 24 voxels, overlapping A
LESION_B = (slice(8, 10), slice(7, 9), slice(5, 7))  # 8 voxels, far from A
VOXEL_ML = 1.5 * 1.5 * 2.0 / 1000


@pytest.fixture
def qa_client(make_user, client_for):
    return client_for(make_user("qa_admin"))


def patient_with(exams: int, pseudonym="NR-VIEWER1", **exam_options) -> Patient:
    patient = Patient.objects.create(pseudonym=pseudonym)
    for order in range(exams):
        stored_exam(patient, order, **exam_options)
    return patient


def manifest(client, patient, **query):
    response = client.get(f"/api/cases/{patient.pseudonym}/viewer/", query)
    assert response.status_code == 200, response.content
    return response.json()


def exam_entry(data, exam) -> dict:
    return next(e for e in data["exams"] if e["id"] == exam.pk)


def test_the_latest_exam_comes_first_then_two_priors_newest_first(qa_client):
    patient = patient_with(4)

    data = manifest(qa_client, patient)

    orders = [(e["order"], e["role"], e["registration"]["status"]) for e in data["exams"]]
    assert orders == [(3, "current", "identity"), (2, "prior", "aligned"), (1, "prior", "aligned")]
    assert data["current_exam"] == data["exams"][0]["id"]
    assert data["sockets"] == {
        "alarms": f"/ws/cases/{patient.pseudonym}/alarms/",
        "flow": "/ws/flows/",
    }


def test_the_exam_parameter_picks_the_current_exam_and_its_priors(qa_client):
    patient = patient_with(4)
    chosen = patient.exams.get(order=1)

    data = manifest(qa_client, patient, exam=chosen.pk)

    assert data["current_exam"] == chosen.pk
    assert [e["order"] for e in data["exams"]] == [1, 0]


def test_series_come_in_channel_order_with_lps_geometry_and_a_content_url(qa_client):
    patient = patient_with(1, sequences=("T2", "FLAIR", "T1CE", "T1"))

    series = manifest(qa_client, patient)["exams"][0]["series"]

    assert [s["sequence"] for s in series] == ["FLAIR", "T1", "T1CE", "T2"]
    flair = patient.exams.get().series.get(sequence="FLAIR")
    assert series[0]["url"] == f"/api/series/{flair.pk}/voxels/{flair.sha256}"
    assert series[0]["dtype"] == "int16" and series[0]["dimensions"] == list(SHAPE)
    assert series[0]["spacing"] == [1.5, 1.5, 2.0]
    assert series[0]["origin"] == [9.0, 7.5, -8.0]  # RAS (-9, -7.5, -8) with x and y negated
    assert series[0]["direction"] == [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]


def test_the_window_spans_the_brain_percentiles_of_the_series(qa_client):
    patient = patient_with(1)
    flair = patient.exams.get().series.get(sequence="FLAIR")
    voxels = np.asanyarray(read_nifti(flair.file.name).dataobj)

    window = manifest(qa_client, patient)["exams"][0]["series"][0]["window"]

    low, high = np.percentile(voxels[voxels != 0], [0.5, 99.5])
    assert window["center"] == pytest.approx((low + high) / 2, abs=1e-3)
    assert window["width"] == pytest.approx(high - low, abs=1e-3)


def test_windows_are_computed_once_per_content_when_the_case_is_prepared(qa_client):
    patient = patient_with(1)
    first = manifest(qa_client, patient)
    prepare_patients([patient])
    for series in patient.exams.get().series.all():
        default_storage.delete(series.file.name)  # a prepared manifest must not need the files

    assert manifest(qa_client, patient)["exams"] == first["exams"]


def unprepared_case_with_priors() -> Patient:
    """Three exams with lesions: the current one, a prior on its grid, one on another grid."""
    patient = Patient.objects.create(pseudonym="NR-UNPREP1")
    other_grid = (14, 10, 8)
    oldest = stored_exam(patient, 0, shape=other_grid)
    prior, current = stored_exam(patient, 1), stored_exam(patient, 2)
    stored_segmentation(oldest, lesion_map(LESION_A, shape=other_grid))
    stored_segmentation(prior, lesion_map(LESION_A))
    stored_segmentation(current, lesion_map(LESION_A_GROWN))
    return patient


def test_reading_the_manifest_writes_no_row_and_enqueues_no_task(
    qa_client, django_capture_on_commit_callbacks
):
    patient = unprepared_case_with_priors()

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as enqueued,
    ):
        data = manifest(qa_client, patient)

    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [] and enqueued == []
    assert not Registration.objects.exists()
    statuses = [e["registration"]["status"] for e in data["exams"]]
    assert statuses == ["identity", "aligned", "pending"]


def test_reading_the_manifest_of_an_unprepared_case_keeps_nothing_in_the_cache_or_on_disk(
    qa_client, empty_var_dir
):
    patient = unprepared_case_with_priors()

    grown = exam_entry(manifest(qa_client, patient), patient.exams.get(order=2))

    assert grown["segmentations"][0]["lesions"][0]["change"]["delta_ml"] == pytest.approx(
        6 * VOXEL_ML
    )  # computed from the stored files
    assert [path for path in empty_var_dir.rglob("*") if path.is_file()] == []


def test_a_registered_prior_is_moved_into_the_current_exams_space(qa_client):
    patient = Patient.objects.create(pseudonym="NR-MOVED")
    prior = stored_exam(patient, 0, shape=(14, 10, 8))  # another grid: not aligned
    current = stored_exam(patient, 1)
    stored_segmentation(prior, lesion_map(LESION_A, shape=(14, 10, 8)))
    shift = np.eye(4)
    shift[:3, 3] = [2.0, -3.0, 4.0]
    Registration.objects.create(
        moving=prior,
        fixed=current,
        status=Registration.Status.REGISTERED,
        matrix=shift.tolist(),
        metric=-0.5,
        moving_series_sha256=prior.series.get(sequence="FLAIR").sha256,
        fixed_series_sha256=current.series.get(sequence="FLAIR").sha256,
    )

    entry = exam_entry(manifest(qa_client, patient), prior)

    assert entry["registration"] == {
        "status": "registered",
        "matrix": shift.tolist(),
        "metric": -0.5,
    }
    assert entry["series"][0]["origin"] == [11.0, 4.5, -4.0]  # LPS (9, 7.5, -8) + shift
    centroid_ras = prior.segmentations.get().lesions.get().centroid_mm
    expected = np.array(centroid_ras) * [-1, -1, 1] + [2.0, -3.0, 4.0]
    lesion = entry["segmentations"][0]["lesions"][0]
    np.testing.assert_allclose(lesion["centroid_mm"], expected, atol=1e-3)


def test_segmentations_carry_their_source_name_and_label_colours(qa_client, make_user):
    patient = patient_with(1)
    exam = patient.exams.get()
    labels = np.zeros(SHAPE, np.uint8)
    labels[3:5, 3:5, 2:4], labels[5:7, 3:5, 2:4], labels[7:9, 3:5, 2:4] = 1, 2, 3
    stored_segmentation(exam, labels, scheme=LabelScheme.BRATS2023)
    stored_segmentation(
        exam,
        lesion_map(LESION_A),
        source=Segmentation.Source.MODEL,
        model_version=model_version("unet", "WT", version="2.1"),
        target="WT",
    )

    entries = manifest(qa_client, patient)["exams"][0]["segmentations"]

    by_source = {e["source"]: e for e in entries}
    reference, model = by_source["reference"], by_source["model"]
    assert (reference["name"], reference["kind"], reference["target"]) == ("Reference", "", "")
    assert reference["labels"] == [
        {"value": 1, "name": "necrosis", "color": [255, 215, 0]},
        {"value": 2, "name": "oedema", "color": [0, 200, 0]},
        {"value": 3, "name": "enhancing", "color": [0, 120, 255]},
    ]
    assert (model["name"], model["kind"], model["target"]) == ("UNET WT 2.1", "unet", "WT")
    assert model["labels"] == [{"value": 1, "name": "lesion", "color": [255, 140, 0]}]
    assert model["dtype"] == "uint8" and model["flow"] is None
    segmentation = exam.segmentations.get(source="model")
    assert model["url"] == f"/api/segmentations/{segmentation.pk}/voxels/{segmentation.sha256}"


def test_a_node_segmentation_has_its_flow(qa_client):
    patient = patient_with(1)
    segmentation = stored_segmentation(
        patient.exams.get(),
        lesion_map(LESION_A),
        source=Segmentation.Source.MODEL,
        model_version=model_version("node", "WT"),
        target="WT",
    )
    flow = AccCurves.objects.create(
        segmentation=segmentation,
        stages=[0.0, 0.5, 1.0],
        acc_mean=[[0.1, 0.2, 0.3, 0.4]] * 3,
        acc_sd=[[0.01, 0.02, 0.03, None]] * 3,
        slices=4,
    )

    entry = manifest(qa_client, patient)["exams"][0]["segmentations"][0]

    assert entry["kind"] == "node"
    assert entry["flow"] == {
        "stages": flow.stages,
        "acc_mean": flow.acc_mean,
        "acc_sd": flow.acc_sd,
        "slices": 4,
        "gamma_share": None,  # curves stored before the shares: the player says a re-run fills them
        "background_share": None,
    }


def test_a_node_segmentations_flow_carries_the_exam_shares_of_gamma_and_background(qa_client):
    patient = patient_with(1)
    segmentation = stored_segmentation(
        patient.exams.get(),
        lesion_map(LESION_A),
        source=Segmentation.Source.MODEL,
        model_version=model_version("node", "WT"),
        target="WT",
    )
    flow = AccCurves.objects.create(
        segmentation=segmentation,
        stages=[0.0, 1.0],
        acc_mean=[[0.1, 0.2, 0.3, 0.4]] * 2,
        acc_sd=[[0.0] * 4] * 2,
        slices=2,
        gamma_share=[[0.9, 0.1, None, 0.0]] * 2,
        background_share=[[0.05, 0.6, 0.2, 0.3]] * 2,
    )

    entry = manifest(qa_client, patient)["exams"][0]["segmentations"][0]

    assert entry["flow"]["gamma_share"] == flow.gamma_share
    assert entry["flow"]["background_share"] == flow.background_share


def test_a_lesion_that_grew_reports_its_change_against_the_prior(qa_client):
    patient = patient_with(2)
    prior, current = patient.exams.order_by("order")
    stored_segmentation(prior, lesion_map(LESION_A))
    stored_segmentation(current, lesion_map(LESION_A_GROWN))

    data = manifest(qa_client, patient)

    grown = exam_entry(data, current)["segmentations"][0]["lesions"][0]
    assert grown["volume_ml"] == pytest.approx(24 * VOXEL_ML)
    assert grown["change"] == {
        "prior_volume_ml": pytest.approx(18 * VOXEL_ML),
        "delta_ml": pytest.approx(6 * VOXEL_ML),
        "delta_percent": pytest.approx(33.33, abs=0.01),
    }
    assert grown["new"] is False
    baseline = exam_entry(data, prior)["segmentations"][0]["lesions"][0]
    assert baseline["change"] is None and baseline["new"] is False


def test_a_lesion_lists_its_volume_at_each_prior_it_was_found_in(qa_client):
    patient = patient_with(3)
    oldest, prior, current = patient.exams.order_by("order")
    stored_segmentation(oldest, lesion_map((slice(3, 5), slice(3, 6), slice(2, 4))))
    stored_segmentation(prior, lesion_map(LESION_A))
    stored_segmentation(current, lesion_map(LESION_A_GROWN, LESION_B))

    lesions = exam_entry(manifest(qa_client, patient), current)["segmentations"][0]["lesions"]

    grown, new = sorted(lesions, key=lambda lesion: lesion["volume_ml"], reverse=True)
    assert grown["prior_volumes"] == [
        {"exam": prior.pk, "volume_ml": pytest.approx(18 * VOXEL_ML)},
        {"exam": oldest.pk, "volume_ml": pytest.approx(12 * VOXEL_ML)},
    ]
    assert new["prior_volumes"] == [
        {"exam": prior.pk, "volume_ml": None},
        {"exam": oldest.pk, "volume_ml": None},
    ]


def test_a_lesion_without_counterpart_in_any_prior_is_new(qa_client):
    patient = patient_with(3)
    oldest, prior, current = patient.exams.order_by("order")
    stored_segmentation(oldest, lesion_map(LESION_A))
    stored_segmentation(prior, lesion_map(LESION_A))
    stored_segmentation(current, lesion_map(LESION_A, LESION_B))

    lesions = exam_entry(manifest(qa_client, patient), current)["segmentations"][0]["lesions"]

    old, new = sorted(lesions, key=lambda lesion: lesion["volume_ml"], reverse=True)
    assert (old["new"], new["new"]) == (False, True)
    assert new["change"] is None and old["change"]["delta_ml"] == 0.0


def test_lesions_that_merged_are_compared_with_their_sum(qa_client):
    patient = patient_with(2)
    prior, current = patient.exams.order_by("order")
    left, right = (slice(3, 5), slice(3, 6), slice(2, 4)), (slice(6, 8), slice(3, 6), slice(2, 4))
    stored_segmentation(prior, lesion_map(left, right))  # 12 voxels each, one apart
    stored_segmentation(current, lesion_map((slice(3, 8), slice(3, 6), slice(2, 4))))

    lesion = exam_entry(manifest(qa_client, patient), current)["segmentations"][0]["lesions"][0]

    assert lesion["change"]["prior_volume_ml"] == pytest.approx(24 * VOXEL_ML)
    assert lesion["change"]["delta_percent"] == pytest.approx(25.0)


def test_lesions_are_compared_only_with_segmentations_of_the_same_kind(qa_client):
    patient = patient_with(2)
    prior, current = patient.exams.order_by("order")
    node = model_version("node", "WT")
    stored_segmentation(prior, lesion_map(LESION_A))  # a reference, not a NODE output
    stored_segmentation(
        current,
        lesion_map(LESION_A),
        source=Segmentation.Source.MODEL,
        model_version=node,
        target="WT",
    )

    lesion = exam_entry(manifest(qa_client, patient), current)["segmentations"][0]["lesions"][0]

    assert lesion["change"] is None and lesion["new"] is False


def test_on_different_grids_lesions_match_by_centroid_distance(qa_client):
    patient = Patient.objects.create(pseudonym="NR-GRIDS")
    wider = (16, 10, 8)
    prior = stored_exam(patient, 0, shape=wider)
    current = stored_exam(patient, 1)
    stored_segmentation(prior, lesion_map(LESION_A, shape=wider))  # same world position
    stored_segmentation(current, lesion_map(LESION_A, LESION_B))

    data = manifest(qa_client, patient)

    assert exam_entry(data, prior)["registration"] == {"status": "pending"}
    lesions = exam_entry(data, current)["segmentations"][0]["lesions"]
    assert [(round(lesion["volume_ml"] / VOXEL_ML), lesion["new"]) for lesion in lesions] == [
        (18, False),
        (8, True),
    ]
    assert lesions[0]["change"]["delta_ml"] == pytest.approx(0.0)


def test_the_cohort_band_is_the_mean_and_sd_of_the_node_acc_curves_of_each_target(qa_client):
    node, unet = model_version("node", "WT"), model_version("unet", "WT")
    curves = {0: [[0.2, 0.4, None, 0.0]], 1: [[0.4, 0.8, None, 1.0]]}
    for order, acc in curves.items():
        patient = patient_with(1, pseudonym=f"NR-COHORT{order}")
        segmentation = stored_segmentation(
            patient.exams.get(),
            lesion_map(LESION_A),
            source="model",
            model_version=node,
            target="WT",
        )
        AccCurves.objects.create(
            segmentation=segmentation, stages=[1.0], acc_mean=acc, acc_sd=acc, slices=1
        )
    other = stored_segmentation(
        patient.exams.get(), lesion_map(LESION_A), source="model", model_version=unet, target="WT"
    )
    AccCurves.objects.create(
        segmentation=other, stages=[1.0], acc_mean=[[9, 9, 9, 9]], acc_sd=[[0] * 4], slices=1
    )

    band = manifest(qa_client, patient)["cohort_acc"]

    assert band == {
        "WT": {
            "stages": [1.0],
            "mean": [[pytest.approx(0.3), pytest.approx(0.6), None, 0.5]],
            "sd": [[pytest.approx(0.1), pytest.approx(0.2), None, 0.5]],
            "exams": 2,
        }
    }


def test_only_open_alarms_of_the_shown_exams_are_listed(qa_client):
    patient = patient_with(4)
    oldest, _, prior, current = patient.exams.order_by("order")
    shown = Alarm.objects.create(exam=prior, kind="growth", reason="WT +30%", evidence={"a": 1})
    Alarm.objects.create(exam=oldest, kind="growth", reason="not shown")
    cleared = Alarm.objects.create(exam=current, kind="new_lesion", reason="cleared")
    cleared.cleared_at = cleared.raised_at
    cleared.save()

    alarms = manifest(qa_client, patient)["alarms"]

    assert alarms == [
        {
            "id": shown.pk,
            "exam": prior.pk,
            "segmentation": None,
            "kind": "growth",
            "kind_display": "Growth",
            "reason": "WT +30%",
            "evidence": {"a": 1},
            "raised_at": shown.raised_at.isoformat(),
        }
    ]


def test_a_radiologist_reads_the_manifest_of_a_granted_patient_only(make_user, client_for):
    granted = patient_with(1, "NR-GRANTED")
    patient_with(1, "NR-HIDDEN")
    radiologist = make_user("radiologist")
    grant_patient(granted, radiologist)
    client = client_for(radiologist)

    assert client.get("/api/cases/NR-GRANTED/viewer/").status_code == 200
    assert client.get("/api/cases/NR-HIDDEN/viewer/").status_code == 404


def test_researchers_and_anonymous_users_are_refused(make_user, client, client_for):
    patient_with(1)

    assert client.get("/api/cases/NR-VIEWER1/viewer/").status_code == 403
    researcher = client_for(make_user("researcher"))
    assert researcher.get("/api/cases/NR-VIEWER1/viewer/").status_code == 403


def test_an_exam_parameter_that_is_no_exam_id_is_a_400_naming_it(qa_client):
    patient_with(1)

    response = qa_client.get("/api/cases/NR-VIEWER1/viewer/", {"exam": "latest"})

    assert response.status_code == 400 and "exam" in response.json()


def test_an_exam_of_another_patient_is_a_404_naming_it(qa_client):
    patient_with(1)
    other = patient_with(1, "NR-OTHER")
    foreign = other.exams.get()

    response = qa_client.get("/api/cases/NR-VIEWER1/viewer/", {"exam": foreign.pk})

    assert response.status_code == 404
    assert response.json()["detail"] == f"exam {foreign.pk} is not an exam of patient NR-VIEWER1"


def test_a_patient_without_exams_is_a_404_saying_so(qa_client):
    Patient.objects.create(pseudonym="NR-EMPTY01")

    response = qa_client.get("/api/cases/NR-EMPTY01/viewer/")

    assert response.status_code == 404
    assert response.json()["detail"] == "patient NR-EMPTY01 has no exams"


def test_the_openapi_schema_describes_the_viewer_endpoints(qa_client):
    response = qa_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert "/api/cases/{pseudonym}/viewer/" in paths
    assert "/api/series/{id}/voxels/{sha256}" in paths
    assert "/api/segmentations/{id}/voxels/{sha256}" in paths
