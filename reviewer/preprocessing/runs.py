"""A preprocessing run on a worker: the exam's acquired series become the series the models see
(imaging.preprocessing.pipeline); they, the brain mask and the run's record are stored in one
transaction, replacing the series of an earlier run."""

import numpy as np
from django.db import transaction

from imaging.errors import ImagingInputError
from imaging.nifti_io import volume_from_array
from imaging.preprocessing.pipeline import AcquiredVolume, Parameters, preprocess
from imaging.sequences import CHANNEL_ORDER, Sequence
from reviewer.cases import services as cases
from reviewer.core import progress
from reviewer.core.storage import atomic_import, read_nifti
from reviewer.preprocessing import signals
from reviewer.preprocessing.models import BrainMask, PreprocessingRun


def run(job: PreprocessingRun) -> None:
    """Do a queued run to its end. Idempotent: a finished run is left as it is, and a run that
    a dead worker left half done stored nothing."""
    if job.is_finished:
        return
    progress.start(job)
    publish = progress.reporter(job)
    exam = job.exam
    acquired = {
        Sequence(s.sequence): (s, AcquiredVolume(*_voxels(s), s.slice_thickness_mm))
        for s in exam.acquired_series.all()
    }
    steps = ("co-registration", "brain extraction", "bias correction")
    try:
        prepared = preprocess(
            {sequence: volume for sequence, (_, volume) in acquired.items()},
            Parameters(**job.parameters),
            progress=lambda step: publish(steps.index(step), len(steps) + 1, step),
        )
    except (ValueError, ImagingInputError) as error:
        progress.finish(job, status=PreprocessingRun.Status.FAILED, error=str(error))
        return
    publish(len(steps), len(steps) + 1, "storing the series")
    with atomic_import() as files:
        # Two processes may run one run (a command, and a worker taking the same run's task):
        # the first to lock the row stores, the other finds it finished.
        if PreprocessingRun.objects.select_for_update().get(pk=job.pk).is_finished:
            return
        exam.series.all().delete()
        for sequence in CHANNEL_ORDER:
            if sequence not in prepared.volumes:
                continue
            original = acquired[sequence][0]
            cases.add_series(
                exam,
                sequence,
                volume_from_array(
                    _like(prepared.volumes[sequence], acquired[sequence][1].array),
                    prepared.affine,
                ),
                files,
                dicom_study_uid=original.dicom_study_uid,
                dicom_series_uid=original.dicom_series_uid,
                dicom_header=original.dicom_header,
            )
        if prepared.brain is not None:
            mask = volume_from_array(prepared.brain.astype(np.uint8), prepared.affine)
            BrainMask.objects.create(run=job, **cases.stored_fields(mask, files, "brain-masks"))
        PreprocessingRun.objects.filter(pk=job.pk).update(
            steps=prepared.steps, flags=prepared.flags
        )
        done = [s["step"].replace("_", " ") for s in prepared.steps if "skipped" not in s]
        progress.finish(
            job,
            status=PreprocessingRun.Status.SUCCEEDED,
            message=f"Done: {', '.join(done) or 'no step needed'}; {len(prepared.flags)} flag(s)",
        )
        transaction.on_commit(
            lambda: signals.exam_preprocessed.send(sender=PreprocessingRun, exam=exam)
        )


def run_queued(patients, progress) -> list[PreprocessingRun]:
    """Run here the queued runs of these patients' exams (commands: whoever runs one waits for
    its exams to be ready); returns them, finished."""
    queued = list(
        PreprocessingRun.objects.filter(
            exam__patient__in=patients, status=PreprocessingRun.Status.QUEUED
        ).select_related("exam")
    )
    for done, job in enumerate(queued):
        progress(done, len(queued), f"exam {job.exam}")
        run(job)
        job.refresh_from_db()
    return queued


def _voxels(series) -> tuple[np.ndarray, np.ndarray]:
    image = read_nifti(series.file.name)
    return np.asanyarray(image.dataobj), image.affine


def _like(volume: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Integer originals stay integers (half the bytes of float32, the viewer's int16)."""
    if original.dtype.kind not in "iu":
        return volume.astype(np.float32)
    info = np.iinfo(original.dtype)
    return np.clip(np.rint(volume), info.min, info.max).astype(original.dtype)
