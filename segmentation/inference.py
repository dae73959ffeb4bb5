"""Running an inference job: every deployed model version on every exam of the job, each result
stored in its own transaction (so a rerun skips what exists); each family's target maps of an
exam are composed into one label map (segmentation.composites), and then the concerns above
(alarms, the viewer) hear of the exam through segmentation.signals. The NODE models' ACC curves
are not part of the job: a reader waits for masks, lesions and alarms, so the curves are
computed afterwards, one segmentation at a time, by :func:`store_acc_curves` (a background
task)."""

from collections.abc import Iterable

import numpy as np
from django.core.files.storage import default_storage

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from reviewer.cases.models import Disease, Exam
from reviewer.core import progress
from reviewer.core.storage import atomic_import, read_nifti
from segmentation import composites, segmentations, signals
from segmentation.engine import predict
from segmentation.engine.data import normalize_exam
from segmentation.models import AccCurves, InferenceJob, ModelVersion, Segmentation


def run(job: InferenceJob, *, also_report=None) -> None:
    """Run a job to its end; ``also_report(done, total, message)`` sees its progress too."""
    if job.is_finished:
        return
    # The glioma models only: segmentation.inference_jobs.run sends other diseases elsewhere.
    glioma = ModelVersion.objects.deployed().filter(disease=Disease.GLIOMA)
    versions = list(glioma.order_by("target", "kind", "name"))
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

    loaded = {}
    total, done, skipped = len(exams) * len(versions), 0, []
    for exam in exams:
        images = exam_images(exam)
        missing = [s.value for s in Sequence if s not in images]
        if missing:
            skipped.append(f"exam {exam.order} lacks {', '.join(missing)}")
            done += len(versions)
            continue
        channels, _ = normalize_exam(images)
        affine = _affine(exam)
        for version in versions:
            step = f"exam {exam.order} of {len(exams)}: {version.name} {version.version}"
            report(done, total, step)
            if version.pk not in loaded:
                loaded[version.pk] = _load(version, device)

            def on_slices(slices: int, of: int, done=done, step=step) -> None:
                report(done + slices / of, total, f"{step}, slice {slices} of {of}")

            _segment(exam, version, loaded[version.pk], channels, affine, device, on_slices)
            done += 1
        announce_segmented(exam)
    signals.inference_finished.send(sender=InferenceJob, job=job, exams=exams)
    segmented = len(exams) - len(skipped)
    note = f"; skipped {'; '.join(skipped)}" if skipped else ""
    progress.finish(
        job,
        status=InferenceJob.Status.SUCCEEDED,
        message=f"Segmented {segmented} exam(s) with {len(versions)} model(s){note}",
    )


def _segment(exam: Exam, version: ModelVersion, model, channels, affine, device, on_slices):
    if Segmentation.objects.filter(exam=exam, model_version=version).exists():
        return  # done by an earlier run of this or another job
    mask = predict.predict_exam(
        model, channels, version.sequences, device=device, on_slices=on_slices
    )
    store_model_segmentation(
        exam, version, mask, affine, source_file=f"{version} on exam {exam.order}"
    )


def store_acc_curves(segmentation: Segmentation) -> AccCurves | None:
    """The exam ACC curves of a NODE segmentation (eq. 6 over the slices it segmented), unless
    they exist; None for a segmentation of another kind."""
    version = segmentation.model_version
    if version is None or version.kind != ModelVersion.Kind.NODE:
        return None
    existing = AccCurves.objects.filter(segmentation=segmentation).first()
    if existing is not None:
        return existing
    device = predict.choose_device()
    channels, _ = normalize_exam(exam_images(segmentation.exam))
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
