"""The worker's part of a robustness sweep: the run's candidate attacked with FGSM over the
evaluation paper's ε grid on every case of the dataset version (spec part B, axis 3), slices of
the head only, against the reference label's region of the model's target
(segmentation.engine.evaluation.robustness does the attack and the statistics). On the GPU when
the worker has one, else on the CPU."""

import numpy as np

from reviewer.core import progress
from reviewer.core.storage import read_nifti
from reviewer.validation.models import RobustnessSweep
from segmentation import inference
from segmentation.engine.evaluation.robustness import Case, fgsm_sweep
from segmentation.engine.node import CHANNELS
from segmentation.engine.predict import device_name
from segmentation.engine.targets import target_mask


def run(job: RobustnessSweep, *, also_report=None) -> None:
    if job.is_finished:
        return
    progress.start(job)
    segmenter = inference.Segmenter()
    RobustnessSweep.objects.filter(pk=job.pk).update(device=device_name(segmenter.device))
    publish = progress.reporter(job)
    version = job.run.model_version
    cases = [_case(c.case, version) for c in job.run.cases.select_related("case__exam")]

    def report(done: int, total: int, message: str) -> None:
        publish(done, total, message)
        if also_report is not None:
            also_report(done, total, message)

    results = fgsm_sweep(segmenter.model(version), cases, device=segmenter.device, progress=report)
    RobustnessSweep.objects.filter(pk=job.pk).update(results=[r.to_dict() for r in results])
    progress.finish(
        job,
        status=RobustnessSweep.Status.SUCCEEDED,
        message=f"{len(results)} values of ε on {len(cases)} case(s)",
    )


def _case(case, version) -> Case:
    """A case's head slices (N, C, X, Y) as the model takes them, and its reference region."""
    channels = inference.exam_channels(case.exam)
    inputs = channels[[CHANNELS.index(s) for s in version.sequences]]
    head = (inputs != 0).any(axis=0)  # (X, Y, Z): zero is the background after normalisation
    kept = np.flatnonzero(head.any(axis=(0, 1)))
    reference = case.reference
    labels = np.asanyarray(read_nifti(reference.file.name).dataobj)
    region = target_mask(labels, version.target, reference.label_scheme)
    return Case(
        slices=np.moveaxis(inputs, -1, 0)[kept].astype(np.float32),
        reference=np.moveaxis(region, -1, 0)[kept],
        within=np.moveaxis(head, -1, 0)[kept],
    )
