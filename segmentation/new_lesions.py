"""The MS new-lesion detection (segmentation.engine.new_lesions) as a model version and as an
inference job's work: each exam of an MS patient is compared with the exam before it, and the map
of its new lesions is stored as that model version's segmentation of the exam, whose lesions are
the new lesions. Consecutive pairs, as paper A suggests for more than two exams
(spec ms-workflows.md, A-SEG-07). The concerns above hear of each exam as of any model's."""

from collections import Counter

import numpy as np

from reviewer.cases.models import Disease, Exam
from reviewer.core import progress
from reviewer.core.storage import read_nifti
from reviewer.preprocessing import readiness
from segmentation import inference, signals
from segmentation.engine import new_lesions as engine
from segmentation.models import InferenceJob, Lesion, ModelVersion, Segmentation

NAME = "ms-new-lesions"
# A 2D FLAIR with thick slices stays unfit after resampling onto a 1 mm grid, so the engine's
# own gate (on the series it is given) is repeated on the acquired series' flags.
UNWORKABLE_FLAGS = ("thick_slices", "field_of_view")


def register_detection(parameters: engine.Parameters = engine.DEFAULT) -> ModelVersion:
    """The detection's model version: no weights; its configuration holds the pipeline's
    parameters and its sha256 hashes that configuration, so the same parameters register once
    and other parameters make another version."""
    configuration = engine.configuration(parameters)
    sha256 = engine.configuration_sha256(configuration)
    version, _ = ModelVersion.objects.get_or_create(
        sha256=sha256,
        defaults={
            "name": NAME,
            "version": sha256[:12],
            "kind": ModelVersion.Kind.SUBTRACTION,
            "disease": Disease.MS,
            "sequences": ["FLAIR"],
            "configuration": configuration,
            "training_manifest": {"training": "none: image processing, no learned weights"},
        },
    )
    return version


def run(job: InferenceJob, *, also_report=None) -> None:
    """Run an MS patient's job to its end; ``also_report(done, total, message)`` sees its
    progress too. Idempotent: an exam already done by a version is skipped."""
    if job.is_finished:
        return
    versions = list(
        ModelVersion.objects.deployed()
        .filter(disease=Disease.MS, kind=ModelVersion.Kind.SUBTRACTION)
        .order_by("pk")
    )
    if not versions:
        progress.finish(
            job,
            status=InferenceJob.Status.FAILED,
            error="No new-lesion detection is deployed for MS (run setup_demo, or deploy one).",
        )
        return
    progress.start(job)
    InferenceJob.objects.filter(pk=job.pk).update(device="CPU")  # image processing, no network
    publish = progress.reporter(job)

    def report(done: int, total: int, message: str) -> None:
        publish(done, total, message)
        if also_report is not None:
            also_report(done, total, message)

    exams = list(job.patient.exams.order_by("order"))
    wanted = [job.exam] if job.exam else exams
    priors = {exam.pk: prior for prior, exam in zip(exams, exams[1:], strict=False)}
    total, done, notes, rejected = len(wanted) * len(versions), 0, [], Counter()
    for exam in wanted:
        prior = priors.get(exam.pk)
        if prior is None:
            notes.append(f"exam {exam.order} has no prior exam to compare with")
            done += len(versions)
            continue
        pair = f"exam {exam.order} against exam {prior.order}"
        for version in versions:
            try:
                rejected.update(
                    _detect(exam, prior, version, _step_reporter(report, done, total, pair))
                )
            except engine.NotApplicable as error:
                notes.append(f"{pair}: {error}")
            done += 1
        inference.announce_segmented(exam)
    signals.inference_finished.send(sender=InferenceJob, job=job, exams=wanted)
    found = Lesion.objects.filter(
        segmentation__exam__in=wanted,
        segmentation__model_version__in=versions,
        below_minimum=False,
    ).count()
    progress.finish(
        job, status=InferenceJob.Status.SUCCEEDED, message=_summary(found, rejected, notes)
    )


def _step_reporter(report, done: int, total: int, pair: str):
    return lambda step: report(done, total, f"{pair}: {step}")


def _detect(exam: Exam, prior: Exam, version: ModelVersion, report) -> Counter:
    """Detect and store one exam's new lesions; the candidates left out, counted by reason."""
    if Segmentation.objects.filter(exam=exam, model_version=version).exists():
        return Counter()  # done by an earlier run of this or another job
    current_image, prior_image = (_flair(e) for e in (exam, prior))
    detection = engine.detect_new_lesions(
        np.asanyarray(current_image.dataobj),
        current_image.affine,
        np.asanyarray(prior_image.dataobj),
        prior_image.affine,
        engine.parameters_from(version.configuration),
        progress=report,
    )
    inference.store_model_segmentation(
        exam,
        version,
        detection.mask,
        current_image.affine,
        source_file=f"{version} on exam {exam.order} against exam {prior.order}",
    )
    return Counter(c.outcome for c in detection.candidates if c.outcome != engine.NEW)


def _flair(exam: Exam):
    why = readiness.unusable(exam, sequences=("FLAIR",), flags=UNWORKABLE_FLAGS)
    if why:
        raise engine.NotApplicable(why)
    series = exam.series.filter(sequence="FLAIR").first()
    if series is None:
        raise engine.NotApplicable(f"exam {exam.order} has no FLAIR")
    return read_nifti(series.file.name)


def _summary(found: int, rejected: Counter, notes: list[str]) -> str:
    summary = f"New-lesion detection: {found} new lesion(s)"
    if rejected:
        summary += f" ({', '.join(f'{n} {why} left out' for why, n in sorted(rejected.items()))})"
    return summary + (f"; {'; '.join(notes)}" if notes else "")
