"""Running an inference job: every deployed model version on every exam of the job, each result
stored in its own transaction (so a rerun skips what exists); each family's target maps of an
exam are composed into one label map (segmentation.composites), and then the concerns above
(alarms, the viewer) hear of the exam through segmentation.signals. The NODE models' ACC curves
are not part of the job: a reader waits for masks, lesions and alarms, so the curves are
computed afterwards, one segmentation at a time, by :func:`store_acc_curves` (a background
task)."""

from collections.abc import Iterable
from itertools import groupby

import numpy as np
from django.core.files.storage import default_storage

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.cases.models import Disease, Exam
from reviewer.core import progress
from reviewer.core.storage import atomic_import, read_nifti
from reviewer.preprocessing import readiness
from segmentation import composites, segmentations, signals
from segmentation.engine import predict
from segmentation.engine.data import normalize_exam
from segmentation.models import AccCurves, InferenceJob, ModelVersion, Segmentation

# The families in the order a job runs them. A U-Net's pass over an exam takes seconds on a CPU
# and its composite lets a reader start; a NODE's takes ten times longer (16 field evaluations per
# slice). Between the two a worker may take other jobs' first results (segmentation.tasks).
FAMILY_ORDER = (ModelVersion.Kind.UNET, ModelVersion.Kind.NODE)
CHANNELS = tuple(s.value for s in Sequence)
# The glioma models work on 2D acquisitions resampled, as BraTS's own data hold, but not on a
# sequence that misses part of the brain.
UNWORKABLE_FLAGS = ("field_of_view",)


def run(job: InferenceJob, *, also_report=None, one_family: bool = False) -> None:
    """Run a job to its end, or with ``one_family`` only the first family of models that has
    work left on the job's exams: the job then stays running while another family has work
    left. ``also_report(done, total, message)`` sees the progress too."""
    if job.is_finished:
        return
    # The glioma models only: segmentation.tasks.run sends other diseases elsewhere.
    glioma = ModelVersion.objects.deployed().filter(disease=Disease.GLIOMA)
    versions = sorted(glioma, key=lambda v: (_family_rank(v), v.target, v.name))
    if not versions:
        progress.finish(
            job, status=InferenceJob.Status.FAILED, error="No model version is deployed for glioma."
        )
        return
    progress.start(job)
    device = predict.choose_device()
    InferenceJob.objects.filter(pk=job.pk).update(device=predict.device_name(device))
    exams = [job.exam] if job.exam else list(job.patient.exams.order_by("order"))
    publish = progress.reporter(job)

    def report(done: int, total: int, message: str) -> None:
        publish(done, total, message)
        if also_report is not None:
            also_report(done, total, message)

    work = _Work(exams, versions, device, report)
    ran = None
    for kind, family in groupby(versions, key=lambda v: ModelVersion.Kind(v.kind)):
        family = list(family)
        if not work.left(family):
            work.done += len(work.exams) * len(family)
            continue
        if one_family and ran is not None:
            message = f"{ran.label} results stored; the {kind.label} models wait for other jobs"
            report(work.done, work.total, message)
            return
        work.segment(family)
        ran = kind
    signals.inference_finished.send(sender=InferenceJob, job=job, exams=exams)
    segmented = len(exams) - len(work.skipped)
    note = f"; skipped {'; '.join(work.skipped)}" if work.skipped else ""
    progress.finish(
        job,
        status=InferenceJob.Status.SUCCEEDED,
        message=f"Segmented {segmented} exam(s) with {len(versions)} model(s){note}",
    )


def unsegmentable(exam: Exam) -> str:
    """Why the models cannot segment the exam ("" when they can): a missing sequence, a
    preprocessing not done or rejected, a field of view that leaves part of the brain out."""
    why = readiness.unusable(exam, sequences=CHANNELS, flags=UNWORKABLE_FLAGS)
    if why:
        return why
    present = set(exam.series.values_list("sequence", flat=True))
    missing = [s.value for s in Sequence if s.value not in present]
    return f"exam {exam.order} lacks {', '.join(missing)}" if missing else ""


def _family_rank(version: ModelVersion) -> int:
    return FAMILY_ORDER.index(version.kind) if version.kind in FAMILY_ORDER else len(FAMILY_ORDER)


class _Work:
    """A job's passes over its exams, one family of models at a time, with its progress."""

    def __init__(self, exams: list[Exam], versions: list[ModelVersion], device, report):
        self.report = report
        self.segmenter = Segmenter(device)
        self.total = len(exams) * len(versions)
        self.skipped = [why for exam in exams if (why := unsegmentable(exam))]
        self.exams = [exam for exam in exams if not unsegmentable(exam)]
        self.done = len(self.skipped) * len(versions)

    def left(self, family: list[ModelVersion]) -> bool:
        stored = Segmentation.objects.filter(exam__in=self.exams, model_version__in=family)
        return stored.count() < len(self.exams) * len(family)

    def segment(self, family: list[ModelVersion]) -> None:
        """Every version of the family on every exam, then the exam is announced."""
        for exam in self.exams:
            channels = exam_channels(exam)
            for version in family:
                self._segment(exam, version, channels)
                self.done += 1
            announce_segmented(exam)

    def _segment(self, exam: Exam, version: ModelVersion, channels: np.ndarray) -> None:
        if Segmentation.objects.filter(exam=exam, model_version=version).exists():
            return  # done by an earlier run of this or another job
        number = self.exams.index(exam) + 1
        step = (
            f"exam {exam.order} ({number} of {len(self.exams)}): {version.name} {version.version}"
        )
        self.report(self.done, self.total, step)

        def on_slices(slices: int, of: int, done=self.done) -> None:
            self.report(done + slices / of, self.total, f"{step}, slice {slices} of {of}")

        self.segmenter.segment(exam, version, channels, on_slices=on_slices)


class Segmenter:
    """One model version's map of one exam at a time, each model loaded once onto the device.
    Besides inference jobs, validation runs use it (reviewer.validation)."""

    def __init__(self, device=None):
        self.device = predict.choose_device() if device is None else device
        self.loaded = {}

    def segment(self, exam: Exam, version: ModelVersion, channels: np.ndarray, *, on_slices=None):
        """The version's map of the exam: the stored one, else segmented and stored now.
        ``channels`` are the exam's normalised images (:func:`exam_channels`)."""
        stored = Segmentation.objects.filter(exam=exam, model_version=version).first()
        if stored is not None:
            return stored
        mask = predict.predict_exam(
            self.model(version),
            channels,
            version.sequences,
            device=self.device,
            on_slices=on_slices,
        )
        source_file = f"{version} on exam {exam.order}"
        return store_model_segmentation(exam, version, mask, _affine(exam), source_file=source_file)

    def logits(self, version: ModelVersion, channels: np.ndarray) -> np.ndarray:
        """The version's foreground logits on an exam (−inf outside the head)."""
        return predict.exam_logits(
            self.model(version), channels, version.sequences, device=self.device
        )

    def model(self, version: ModelVersion):
        if version.pk not in self.loaded:
            self.loaded[version.pk] = _load(version, self.device)
        return self.loaded[version.pk]


def exam_channels(exam: Exam) -> np.ndarray:
    """The exam's four sequences normalised as the models take them."""
    channels, _ = normalize_exam(exam_images(exam))
    return channels


def store_acc_curves(segmentation: Segmentation) -> AccCurves | None:
    """The exam ACC curves of a NODE segmentation (eq. 6 over the slices it segmented, and its
    two shares), unless they exist; None for a segmentation of another kind."""
    version = segmentation.model_version
    if version is None or version.kind != ModelVersion.Kind.NODE:
        return None
    existing = AccCurves.objects.filter(segmentation=segmentation).first()
    if existing is not None:
        return existing
    device = predict.choose_device()
    channels = exam_channels(segmentation.exam)
    segmented = np.asanyarray(read_nifti(segmentation.file.name).dataobj).any(axis=(0, 1))
    flow = predict.exam_flow(_load(version, device), channels, segmented, device=device)
    return save_acc_curves(segmentation, flow)


def announce_segmented(exam: Exam) -> None:
    """Compose the exam's family maps that are complete, then tell the concerns above (alarms,
    the viewer) that its segmentations are stored, so that they measure and prepare them now
    rather than when someone looks; they may count on the composites being there."""
    composites.compose_exam(exam)
    signals.exam_segmented.send(sender=InferenceJob, exam=exam)


def store_model_segmentation(
    exam: Exam, version: ModelVersion, mask: np.ndarray, affine: np.ndarray, *, source_file: str
) -> Segmentation:
    """A model's binary mask on an exam, with its lesions, in one transaction with its file."""
    with atomic_import() as files:
        return segmentations.add_segmentation(
            exam,
            volume_from_array(mask.astype(np.uint8), affine),
            LabelScheme.LESION,
            files,
            source_file=source_file,
            source=Segmentation.Source.MODEL,
            model_version=version,
            target=version.target,
        )


def _load(version: ModelVersion, device):
    with default_storage.open(version.weights.name, "rb") as handle:
        weights = handle.read()
    return predict.load_model(version.kind, version.configuration["config"], weights, device)


def save_acc_curves(segmentation: Segmentation, flow: predict.ExamAcc) -> AccCurves:
    """Store an exam ACC computed elsewhere (or keep the one stored meanwhile)."""
    curves, _ = AccCurves.objects.get_or_create(  # a second task for it may have won the race
        segmentation=segmentation,
        defaults={
            "stages": [round(float(t), 4) for t in flow.stages],
            "acc_mean": _json_floats(flow.mean),
            "acc_sd": _json_floats(flow.sd),
            "slices": flow.slices,
            "gamma_share": _json_floats(flow.gamma_share),
            "background_share": _json_floats(flow.background_share),
        },
    )
    return curves


def _json_floats(rows: Iterable) -> list:
    """NaN is not JSON: an undefined ACC (empty union on every slice) is stored as null."""
    return [[None if np.isnan(v) else round(float(v), 6) for v in row] for row in rows]


def exam_images(exam: Exam) -> dict[Sequence, np.ndarray]:
    return {
        Sequence(series.sequence): np.asanyarray(read_nifti(series.file.name).dataobj)
        for series in exam.series.all()
    }


def _affine(exam: Exam) -> np.ndarray:
    return np.asarray(exam.series.first().affine, dtype=float)
