"""The case the browser tests open: one synthetic glioma patient with 3 exams × 4 sequences at
2 mm (the project's own generator, imported by the real BraTS import), with the generator's
reference segmentations, and on the current exam a segmentation by the bundled NODE WT model
(small preset) with its ACC curves, so the viewer has a model overlay and a flow to play.

To stay within a couple of minutes on two cores, the model runs on the axial slab around the
reference lesion (± 3 slices; the rest of the map is empty) and the exam ACC is taken over four
slices at 11 stages, where the inference job would run every slice at 101 stages.

Also two small patients with open alarms (risk scores 1 and 3) for the worklist, and the users:
a radiologist who may see the patients, one who may not, and a researcher.

Building takes a while, so :func:`prepared_case` keeps the result (a dumpdata fixture and the
media files) under the var dir, keyed by everything that shapes it; tests load the fixture.
"""

import dataclasses
import datetime
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import torch
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings

from imaging.synthetic import build_cohort
from reviewer.alarms.models import Alarm
from reviewer.cases.models import Exam, Patient
from reviewer.cases.permissions import grant_patient
from reviewer.core.models import User
from reviewer.core.storage import read_nifti
from reviewer.imports.services import import_brats
from segmentation import inference
from segmentation.engine import predict
from segmentation.engine.data import normalize_exam
from segmentation.models import Segmentation
from segmentation.services import register_model_version

ROOT = Path(__file__).resolve().parents[2]
NODE_WT = ROOT / "segmentation" / "weights" / "node-wt-small"
SEED = 20261125
RESOLUTION_MM = 2
PASSWORD = "browser-tests-only-9f3c"
SLAB_MARGIN = 3
ACC_SLICES, ACC_STAGES = 4, 11
# What the stored case depends on: a change to any of these builds it again.
SHAPED_BY = [
    Path(__file__),
    NODE_WT / "weights.pt",
    NODE_WT / "model.json",
    *sorted(ROOT.glob("reviewer/*/migrations/*.py")),
    *sorted((ROOT / "segmentation" / "migrations").glob("*.py")),
    ROOT / "reviewer" / "cases" / "services.py",
    ROOT / "reviewer" / "imports" / "services.py",
    ROOT / "segmentation" / "segmentations.py",
    ROOT / "segmentation" / "inference.py",
    *sorted((ROOT / "imaging").rglob("*.py")),
    ROOT / "segmentation" / "engine" / "predict.py",
    ROOT / "segmentation" / "engine" / "flow.py",
]


@dataclasses.dataclass(frozen=True)
class ViewerCase:
    pseudonym: str
    exam_ids: list[int]  # oldest first
    current_exam: int
    node_segmentation: int  # the NODE WT segmentation of the current exam
    reference_segmentation: int  # the reference of the current exam
    flair_series: int  # the current exam's FLAIR
    lesion_slices: list[int]  # axial slices k of the current exam that hold the reference lesion
    reader: str  # radiologist granted the patient
    outsider: str  # radiologist not granted it
    researcher: str
    password: str
    risk_patients: dict[str, int]  # pseudonym → open alarms on its only exam


def prepared_case(var_dir: Path) -> tuple[ViewerCase, Path, Path]:
    """(the case, its dumpdata fixture, its media folder), built into the (empty) test database
    and flushed out of it again unless a stored build with the same inputs exists."""
    key = hashlib.sha256()
    for path in SHAPED_BY:
        key.update(path.name.encode() + path.read_bytes())
    folder = Path(var_dir) / "browser-case" / key.hexdigest()[:16]
    dump, media, described = folder / "case.json", folder / "media", folder / "case-meta.json"
    if described.exists():
        return ViewerCase(**json.loads(described.read_text())), dump, media
    shutil.rmtree(folder.parent, ignore_errors=True)  # older builds
    media.mkdir(parents=True)
    with override_settings(MEDIA_ROOT=media):
        try:
            case = build_viewer_case(Path(var_dir))
            call_command(
                "dumpdata",
                "--natural-foreign",
                "--natural-primary",
                *("--exclude", "contenttypes", "--exclude", "auth.permission"),
                *("--exclude", "sessions", "--exclude", "admin.logentry"),
                output=str(dump),
                verbosity=0,
            )
        finally:
            call_command("flush", interactive=False, verbosity=0)
    described.write_text(json.dumps(dataclasses.asdict(case)))  # last: marks the build complete
    return case, dump, media


def build_viewer_case(var_dir: Path) -> ViewerCase:
    cohort = var_dir / f"browser-cohort-{RESOLUTION_MM}mm"  # the generator keeps a built cohort
    build_cohort(cohort, patients=1, seed=SEED, resolution=RESOLUTION_MM, formats=["brats"])
    [patient] = import_brats(cohort / "brats")
    reader = _user("browser-reader", "radiologist")
    outsider = _user("browser-outsider", "radiologist")
    researcher = _user("browser-researcher", "researcher")
    group, _ = Group.objects.get_or_create(name="browser-reading")
    reader.groups.add(group)
    grant_patient(patient, group)
    grant_patient(patient, researcher)

    exams = list(patient.exams.order_by("order"))
    current = exams[-1]
    reference = Segmentation.objects.get(exam=current, source="reference")
    lesion_slices = np.flatnonzero(
        (np.asanyarray(read_nifti(reference.file.name).dataobj) > 0).any(axis=(0, 1))
    )
    node = _node_segmentation(current, lesion_slices)
    return ViewerCase(
        pseudonym=patient.pseudonym,
        exam_ids=[e.pk for e in exams],
        current_exam=current.pk,
        node_segmentation=node.pk,
        reference_segmentation=reference.pk,
        flair_series=current.series.get(sequence="FLAIR").pk,
        lesion_slices=[int(k) for k in lesion_slices],
        reader=reader.username,
        outsider=outsider.username,
        researcher=researcher.username,
        password=PASSWORD,
        risk_patients=_risk_patients(group),
    )


def _node_segmentation(exam: Exam, lesion_slices: np.ndarray) -> Segmentation:
    # registered, not live: a live version could not be loaded from the dump (the database
    # lets a version go live only with its deployment row, which loads after it)
    version = register_model_version(NODE_WT)
    with open(NODE_WT / "weights.pt", "rb") as handle:
        weights = handle.read()
    cpu = torch.device("cpu")
    model = predict.load_model(version.kind, version.configuration["config"], weights, cpu)
    channels, _ = normalize_exam(inference.exam_images(exam))
    depth = channels.shape[-1]
    lo = max(0, int(lesion_slices.min()) - SLAB_MARGIN)
    hi = min(depth, int(lesion_slices.max()) + SLAB_MARGIN + 1)
    mask = predict.predict_slab(model, channels, version.sequences, slice(lo, hi), device=cpu)
    segmented = np.flatnonzero(mask.any(axis=(0, 1)))
    if not len(segmented):
        raise RuntimeError("the NODE model found nothing in the browser case")
    middle = len(segmented) // 2
    acc_slices = np.zeros(depth, dtype=bool)
    acc_slices[segmented[max(0, middle - ACC_SLICES // 2) :][:ACC_SLICES]] = True
    flow = predict.exam_flow(model, channels, acc_slices, device=cpu, stages=ACC_STAGES)
    segmentation = inference.store_model_segmentation(
        exam,
        version,
        mask,
        np.asarray(exam.series.first().affine, dtype=float),
        source_file=f"{version} on exam {exam.order} (browser-test slab)",
    )
    inference.save_acc_curves(segmentation, flow)
    inference.announce_segmented(exam)
    return segmentation


def _user(username: str, role: str) -> User:
    user = User(username=username, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


def _risk_patients(group: Group) -> dict[str, int]:
    """Two patients without images whose only exam carries 1 and 3 open alarms."""
    made = {}
    for pseudonym, count in (("NR-RISKONE1", 1), ("NR-RISKTHR3", 3)):
        patient = Patient.objects.create(pseudonym=pseudonym)
        exam = Exam.objects.create(patient=patient, order=0, date=datetime.date(2025, 6, 1))
        for n in range(count):
            Alarm.objects.create(
                exam=exam,
                kind=Alarm.Kind.UNRELIABLE,
                reason=f"browser-test alarm {n + 1} of {count}",
                evidence={"target": "WT", "metric": "Dice", "value": 0.1, "threshold": 0.5},
            )
        grant_patient(patient, group)
        made[pseudonym] = count
    return made
