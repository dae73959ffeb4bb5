"""A reference dataset of two synthetic glioma exams, the bundled whole-tumour U-Net live as
the baseline, and candidates made from its weights: the same network saved again (identical
maps, other bytes) or with its output bias shifted (larger maps)."""

import io
import json
import shutil

import pytest
import torch
from django.contrib.auth import get_user_model

from imaging.synthetic import build_cohort
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import Strata, create_version
from reviewer.imports.services import import_brats
from reviewer.validation import runs
from reviewer.validation.models import ValidationRun
from segmentation.engine import artifacts
from segmentation.services import register_model_version
from tests.segmentation.model_builders import go_live

BASELINE = artifacts.BUNDLED / "unet-wt-small"


@pytest.fixture(scope="session")
def cohort_brats(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation-cohort")
    build_cohort(out, patients=1, seed=5, resolution=2, formats=("brats",))
    return out / "brats"


@pytest.fixture
def qa_admin(db):
    return get_user_model().objects.create_user("qa-gate", role="qa_admin")


@pytest.fixture
def page_client(client_for, qa_admin):
    """The QA admin's browser session."""
    return client_for(qa_admin)


@pytest.fixture
def dataset_version(cohort_brats, qa_admin):
    [patient] = import_brats(cohort_brats)
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa_admin)
    exams = list(patient.exams.order_by("order")[:2])
    strata = {exams[0].pk: Strata("LGG", "Centre A"), exams[1].pk: Strata("GBM", "Centre A")}
    return create_version(dataset, exams, user=qa_admin, strata=strata, note="two synthetic exams")


@pytest.fixture
def baseline(db):
    return go_live(register_model_version(BASELINE))


@pytest.fixture
def make_candidate(tmp_path):
    """A version made from the baseline's weights with the output bias raised by ``bias``,
    saved with its keys in reverse order (other bytes, another sha256)."""

    def make(version: str, bias: float = 0.0):
        folder = tmp_path / f"candidate-{version}"
        shutil.copytree(BASELINE, folder)
        weights = torch.load(folder / "weights.pt", map_location="cpu")
        weights["out.bias"] = weights["out.bias"] + bias
        buffer = io.BytesIO()
        torch.save(dict(reversed(list(weights.items()))), buffer)
        (folder / "weights.pt").write_bytes(buffer.getvalue())
        card = json.loads((folder / artifacts.CARD).read_text())
        card["version"] = version
        artifacts.write_card(folder, card)
        return register_model_version(folder)

    return make


@pytest.fixture
def validate(dataset_version, qa_admin):
    """Ask for a run of a candidate on the dataset version and run it here, as the worker
    would."""

    def run(candidate) -> ValidationRun:
        from reviewer.validation.queue import request_run

        job = request_run(model_version=candidate, dataset_version=dataset_version, user=qa_admin)
        runs.run(job)
        return ValidationRun.objects.get(pk=job.pk)

    return run


@pytest.fixture
def grade(qa_admin):
    """Grade a map on the EASE scale, as a QA admin in the grading screen."""
    from reviewer.grading.services import record_assessment

    def give(segmentation, *, acceptable: bool, level: int):
        return record_assessment(
            user=qa_admin, segmentation=segmentation, acceptable=acceptable, grade=level
        )

    return give


# output-bias shifts of the baseline's network: volumes +5 % and +79…133 % on the two cases
SLIGHTLY_LARGER = 1.0
MUCH_LARGER = 6.0
