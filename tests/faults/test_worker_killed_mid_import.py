"""A worker killed (SIGKILL) in the middle of an import: the broker hands the job to the next
worker, and the import completes once, with one set of rows, whole files and nothing left over."""

from hashlib import sha256

import pytest

from imaging.nifti_io import load_volume
from reviewer.cases.models import Exam, Patient, Series
from reviewer.imports.models import ImportJob
from segmentation.models import Segmentation
from tests.faults.conftest import (
    PRIVATE,
    finished,
    live_state,
    small_exam_zip,
    stored_files,
    wait_for,
    whole,
)

PHASES = {
    # the second exam folder is being read: the first one's rows and files are written, and
    # uncommitted
    "while-importing": lambda state: "reading" in state["message"] and state["progress"] > 0,
    # the import has committed and the viewer's voxel files are being written
    "after-the-import-committed": lambda state: (
        state["message"].startswith("preparing the viewer") and state["progress"] > 0
    ),
}


@pytest.mark.parametrize("phase", PHASES)
def test_an_import_whose_worker_is_killed_completes_once_on_the_next_worker(
    stack, cohort_zip, phase
):
    first = stack.worker()
    [job_pk] = stack.seed("queued_imports", uploads=[str(cohort_zip)])
    wait_for(
        lambda: PHASES[phase](live_state(ImportJob, job_pk)),
        timeout_s=60,
        what=f"the import reaching the moment {phase}",
    )

    stack.kill(first)
    stack.worker()

    job = finished(ImportJob, job_pk)
    assert (job.status, job.error) == ("succeeded", "")
    patients = Patient.objects.using(PRIVATE)
    assert list(job.patients.all()) == list(patients)
    assert patients.count() == 1
    assert Exam.objects.using(PRIVATE).count() == 3
    series = Series.objects.using(PRIVATE)
    segmentations = Segmentation.objects.using(PRIVATE)
    assert series.count() == 12 and segmentations.count() == 3
    files = stored_files(stack.media)
    rows = {*series.values_list("file", flat=True), *segmentations.values_list("file", flat=True)}
    assert set(files) == rows, "a file no row names, or a row without its file"
    assert whole(files), "a file does not hold the bytes its name says"
    assert not [*stack.uploads.iterdir(), *stack.tmp.iterdir()], "the upload or its extraction"


def test_a_file_a_killed_worker_left_half_written_is_written_whole_by_the_next_import(
    stack, tmp_path
):
    upload = small_exam_zip(tmp_path, 1)
    flair = load_volume(next(tmp_path.glob("upload-1/*/*_t2f.nii.gz"))).to_bytes()
    digest = sha256(flair).hexdigest()
    name = f"series/{digest[:2]}/{digest}.nii.gz"  # the name the import stores it under
    (stack.media / name).parent.mkdir(parents=True)
    (stack.media / name).write_bytes(flair[: len(flair) // 2])  # where the kill stopped it
    stack.worker()

    [job_pk] = stack.seed("queued_imports", uploads=[str(upload)])

    assert finished(ImportJob, job_pk).status == "succeeded"
    assert Series.objects.using(PRIVATE).filter(file=name).exists()
    assert (stack.media / name).read_bytes() == flair
