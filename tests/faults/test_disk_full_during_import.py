"""The disk full during an import: the job fails saying so, without naming a server path, and
nothing is stored: no row, no file, not the upload."""

import subprocess

import pytest

from reviewer.cases.models import Exam, Patient, Series
from reviewer.imports.models import ImportJob
from segmentation.models import Segmentation
from tests.faults.conftest import PRIVATE, finished


@pytest.fixture
def stack_root(tmp_path, cohort_zip):
    """The worker's media, var (uploads, extractions) and temporary folders on a disk with room
    for the upload and its extraction, and not for the imported files too."""
    disk = tmp_path / "disk"
    disk.mkdir()
    size = 2 * cohort_zip.stat().st_size + 512 * 1024
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", disk], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", disk], check=True)


def test_an_import_that_fills_the_disk_fails_saying_so_and_stores_nothing(
    stack, stack_root, cohort_zip
):
    stack.worker()

    [job_pk] = stack.seed("queued_imports", uploads=[str(cohort_zip)])

    job = finished(ImportJob, job_pk)
    assert job.status == "failed"
    assert "disk is full (no space left on device)" in job.error
    assert "/" not in job.error, "a server path in the message"
    for model in (Patient, Exam, Series, Segmentation):
        assert not model.objects.using(PRIVATE).exists()
    assert not [*stack.media.rglob("*.nii.gz"), *stack.uploads.iterdir(), *stack.tmp.iterdir()]
