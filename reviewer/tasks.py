from neuroreview.celery import default_task, gpu_task
from reviewer.models import Exam, ImportJob
from reviewer.services import import_jobs
from reviewer.services.progress import run_job
from reviewer.services.registration import register_exams


@default_task()
def run_import_job(*, job_pk: int) -> str:
    """Import one uploaded zip. Idempotent: a finished job is left as it is, and an import that a
    dead worker left half done was rolled back, so running it again is safe."""
    return run_job(ImportJob.objects.get(pk=job_pk), import_jobs.run)


def _worker_report(queue: str) -> dict:
    import socket

    import torch

    cuda = torch.cuda.is_available()
    return {
        "queue": queue,
        "hostname": socket.gethostname(),
        "cuda": cuda,
        "devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if cuda
        else [],
    }


@default_task()
def ping_default() -> dict:
    """Health probe for the default queue."""
    return _worker_report("default")


@gpu_task()
def ping_gpu() -> dict:
    """Health probe for the gpu queue: also says whether the worker sees a CUDA device."""
    return _worker_report("gpu")


@default_task()
def register_prior(*, moving_exam_pk: int, fixed_exam_pk: int) -> str:
    """Register a prior exam onto a later one for the viewer. Idempotent: a pair registered (or
    failed) on the current series is left as it is. Returns the registration's status."""
    moving = Exam.objects.get(pk=moving_exam_pk)
    fixed = Exam.objects.get(pk=fixed_exam_pk)
    return register_exams(moving, fixed).status
