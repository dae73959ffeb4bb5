"""The worker's part of a validation run: apply the candidate and the live version of its
lineage (the baseline) to every case of the dataset version, and record case by case whether
their maps are voxel-identical, and both volumes. Each case is written in its own transaction
and skipped when it exists, so a run whose worker died resumes where it stopped."""

import numpy as np

from reviewer.core import progress
from reviewer.core.storage import read_nifti
from reviewer.validation import evaluation
from reviewer.validation.models import ValidationCase, ValidationRun
from segmentation import inference
from segmentation.engine.predict import device_name
from segmentation.models import Segmentation
from segmentation.volumes import label_volumes


def run(job: ValidationRun, *, also_report=None) -> None:
    """Apply the candidate (and the baseline) to every case of the run's dataset version."""
    if job.is_finished:
        return
    cases = list(job.dataset_version.cases.select_related("exam__patient").order_by("key"))
    unusable = [f"{c.key}: {why}" for c in cases if (why := inference.unsegmentable(c.exam))]
    if unusable:
        progress.finish(
            job,
            status=ValidationRun.Status.FAILED,
            error="The models cannot segment every case: " + "; ".join(unusable),
        )
        return
    progress.start(job)
    segmenter = inference.Segmenter()
    ValidationRun.objects.filter(pk=job.pk).update(device=device_name(segmenter.device))
    publish = progress.reporter(job)

    def report(done: float, total: int, message: str) -> None:
        publish(done, total, message)
        if also_report is not None:
            also_report(done, total, message)

    versions = [v for v in (job.baseline, job.model_version) if v is not None]
    done_cases = set(job.cases.values_list("case_id", flat=True))
    total = len(cases) * (len(versions) + 1)  # the evaluation is one more pass over the cases
    for number, case in enumerate(cases):
        if case.pk in done_cases:
            continue
        channels = inference.exam_channels(case.exam)
        maps = {}
        for offset, version in enumerate(versions):
            done = number * len(versions) + offset
            step = f"case {number + 1} of {len(cases)} ({case.key}): {version}"
            report(done, total, step)
            maps[version.pk] = segmenter.segment(
                case.exam,
                version,
                channels,
                on_slices=lambda s, of, done=done, step=step: report(
                    done + s / of, total, f"{step}, slice {s} of {of}"
                ),
            )
        _record(job, case, maps[job.model_version_id], maps.get(job.baseline_id))
    segmented = len(cases) * len(versions)
    evaluation.evaluate(
        job, segmenter, report=lambda done, _, message: report(segmented + done, total, message)
    )
    changed = job.cases.filter(identical=False).count()
    progress.finish(
        job,
        status=ValidationRun.Status.SUCCEEDED,
        message=f"{len(cases)} case(s) segmented; {changed} changed",
    )


def _record(job, case, candidate: Segmentation, baseline: Segmentation | None) -> None:
    volumes = _volumes_ml([s for s in (candidate, baseline) if s is not None])
    ValidationCase.objects.get_or_create(
        run=job,
        case=case,
        defaults={
            "candidate": candidate,
            "baseline": baseline,
            "identical": baseline is not None and _identical(candidate, baseline),
            "candidate_ml": volumes[candidate.pk],
            "baseline_ml": volumes[baseline.pk] if baseline is not None else None,
        },
    )


def _identical(a: Segmentation, b: Segmentation) -> bool:
    """Voxel-identical label maps (EASE's "no change in the segmentation")."""
    if a.sha256 == b.sha256:
        return True
    return np.array_equal(
        np.asanyarray(read_nifti(a.file.name).dataobj),
        np.asanyarray(read_nifti(b.file.name).dataobj),
    )


def _volumes_ml(segmentations) -> dict[int, float]:
    by_label = label_volumes(segmentations)
    return {s.pk: sum(by_label.get(s.pk, {}).values()) for s in segmentations}
