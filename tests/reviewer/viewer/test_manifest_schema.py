"""The viewer manifest's published shape: its serializer renders what the manifest service builds
unchanged and accepts it as valid, and the committed OpenAPI schema and the frontend types
generated from it are those of the code (`make api-types` regenerates both)."""

import difflib
import itertools
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from reviewer.alarms.models import Alarm
from reviewer.cases.models import Patient
from reviewer.viewer.manifest import viewer_manifest
from reviewer.viewer.models import Registration
from reviewer.viewer.serializers import ViewerManifestSerializer
from segmentation import composites
from segmentation.models import AccCurves, Segmentation
from tests.reviewer.viewer.viewer_builders import (
    lesion_map,
    model_version,
    stored_exam,
    stored_segmentation,
)

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
API_SCHEMA = FRONTEND / "src" / "types" / "openapi.json"
OPENAPI_TYPESCRIPT = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
REGENERATE = "run `make api-types` and commit frontend/src/types/openapi.json and api.ts"

OTHER_GRID = (14, 10, 8)
LESION = (slice(3, 6), slice(3, 6), slice(2, 4))
GROWN = (slice(3, 7), slice(3, 6), slice(2, 4))
NEW = (slice(8, 10), slice(7, 9), slice(5, 7))


@pytest.fixture
def case() -> Patient:
    """Every kind of value the manifest has: an undated exam, a registered prior on another grid
    and an aligned one, lesions that grew, are new or have no prior, a NODE flow with undefined
    ACC values, the cohort band, a composite with its parts and a component below the minimum,
    and an alarm with evidence."""
    patient = Patient.objects.create(pseudonym="NR-SHAPE01")
    oldest = stored_exam(patient, 0)
    prior = stored_exam(patient, 1, shape=OTHER_GRID)
    current = stored_exam(patient, 2)
    oldest.date = None
    oldest.save()
    stored_segmentation(oldest, lesion_map(LESION))
    stored_segmentation(prior, lesion_map(LESION, shape=OTHER_GRID))
    stored_segmentation(current, lesion_map(GROWN, NEW))
    node = stored_segmentation(
        current,
        lesion_map(LESION),
        source=Segmentation.Source.MODEL,
        model_version=model_version("node", "WT"),
        target="WT",
    )
    AccCurves.objects.create(
        segmentation=node,
        stages=[0.0, 0.5, 1.0],
        acc_mean=[[0.1, 0.2, None, 0.4]] * 3,
        acc_sd=[[0.01, 0.02, None, 0.04]] * 3,
        slices=4,
    )
    for target in ("ET", "TC", "WT"):
        stored_segmentation(
            current,
            lesion_map(GROWN, (slice(11, 12), slice(0, 1), slice(0, 1))),  # and a speck
            source=Segmentation.Source.MODEL,
            model_version=model_version("unet", target),
            target=target,
        )
    composites.compose_exam(current)
    shift = np.eye(4)
    shift[:3, 3] = [1.0, -1.5, 2.0]  # near enough for its lesion to match
    Registration.objects.create(
        moving=prior,
        fixed=current,
        status=Registration.Status.REGISTERED,
        matrix=shift.tolist(),
        metric=-0.5,
        moving_series_sha256=prior.series.get(sequence="FLAIR").sha256,
        fixed_series_sha256=current.series.get(sequence="FLAIR").sha256,
    )
    Alarm.objects.create(
        exam=current,
        segmentation=node,
        kind=Alarm.Kind.GROWTH,
        reason="WT +33%",
        evidence={"delta_percent": 33.3, "exams": [prior.pk, current.pk]},
    )
    return patient


@pytest.mark.django_db
def test_the_serializer_renders_the_manifest_of_a_case_unchanged(case):
    manifest = viewer_manifest(case, user=AnonymousUser())

    rendered = ViewerManifestSerializer(manifest).data

    assert json.dumps(rendered) == json.dumps(manifest)  # keys, order, values and number types
    # ... on a case that has every shape
    statuses = [exam["registration"]["status"] for exam in manifest["exams"]]
    assert statuses == ["identity", "registered", "aligned"]
    assert manifest["exams"][2]["date"] is None and manifest["cohort_acc"]["WT"]
    shown = manifest["exams"][0]["segmentations"]
    assert any(s["parts"] for s in shown) and any(s["part_of"] for s in shown)
    assert any(s["below_minimum_count"] for s in shown)
    lesions = [le for s in shown for le in s["lesions"]]
    assert any(le["new"] for le in lesions) and any(le["change"] for le in lesions)
    assert manifest["alarms"][0]["evidence"]


@pytest.mark.django_db
def test_the_manifest_of_a_case_is_valid_against_its_serializer(case):
    as_sent = json.dumps(viewer_manifest(case, user=AnonymousUser()))
    manifest = json.loads(as_sent)  # as the browser receives it

    serializer = ViewerManifestSerializer(data=manifest)

    assert serializer.is_valid(), serializer.errors


def test_the_committed_openapi_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.json"

    call_command("spectacular", format="openapi-json", file=str(generated))

    committed, now = API_SCHEMA.read_text(), generated.read_text()
    assert committed == now, f"{API_SCHEMA} is not the code's schema: {REGENERATE}\n" + "\n".join(
        itertools.islice(
            difflib.unified_diff(
                committed.splitlines(), now.splitlines(), "committed", "code", lineterm=""
            ),
            60,
        )
    )


def test_the_committed_frontend_types_are_generated_from_the_committed_schema():
    if not OPENAPI_TYPESCRIPT.exists():
        pytest.fail(f"{OPENAPI_TYPESCRIPT} is missing: `make frontend` installs it (npm ci)")

    check = subprocess.run(
        ["npm", "run", "--silent", "api-types", "--", "--check"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert check.returncode == 0, (
        f"frontend/src/types/api.ts is not what openapi-typescript makes of {API_SCHEMA.name}: "
        f"{REGENERATE}\n{check.stdout}{check.stderr}"
    )
