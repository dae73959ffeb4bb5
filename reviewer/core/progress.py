"""Live progress of background jobs, shared by the worker that reports it and whatever process
shows it (the WebSocket consumers, the API).

Progress lives in the cache, not the job row: jobs write their results in one long transaction,
and rows written there stay invisible to other connections until it commits."""

import logging

from django.core.cache import cache
from django.utils import timezone

from reviewer.core import live
from reviewer.core.jobs import BackgroundJob

DAY_S = 24 * 3600
logger = logging.getLogger(__name__)


def _key(job: BackgroundJob) -> str:
    return f"job-progress:{job._meta.label_lower}:{job.pk}"


def job_group(job: BackgroundJob) -> str:
    """The group of the sockets that follow the job (reviewer.core.live)."""
    return live.group(f"job-{job._meta.label_lower}", job.pk)


def reporter(job: BackgroundJob):
    """A progress(done, total, message) callback that publishes the job's progress."""

    def report(done: int, total: int, message: str) -> None:
        percent = int(100 * done / total) if total else 0
        cache.set(
            _key(job),
            {"status": BackgroundJob.Status.RUNNING, "progress": percent, "message": message},
            timeout=DAY_S,
        )
        live.announce(job_group(job))  # the cache is outside any transaction: now

    return report


def start(job: BackgroundJob) -> None:
    type(job).objects.filter(pk=job.pk).update(status=BackgroundJob.Status.RUNNING)
    live.announce_on_commit(job_group(job))


def finish(job: BackgroundJob, *, status: str, message: str = "", error: str = "") -> None:
    type(job).objects.filter(pk=job.pk).update(
        status=status,
        progress=100 if status == BackgroundJob.Status.SUCCEEDED else job.progress,
        message=message[:255],
        error=error,
        finished_at=timezone.now(),
    )
    cache.delete(_key(job))
    live.announce_on_commit(job_group(job))


def job_state(job: BackgroundJob) -> dict:
    """What job pages and sockets show: the row's outcome, or the cache's live progress."""
    state = {
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "patients": [],
    }
    if job.status == BackgroundJob.Status.SUCCEEDED:
        state["patients"] = [
            {"pseudonym": p.pseudonym, "url": f"/cases/{p.pseudonym}/"}
            for p in job.result_patients()
        ]
    if not job.is_finished:
        state.update(cache.get(_key(job), {}))
    return state


def run_job(job: BackgroundJob, run) -> str:
    """Run a job in a task: an unexpected error marks it failed (and is re-raised for the
    worker log and Celery's own bookkeeping). Returns the final status."""
    try:
        run(job)
    except Exception:
        logger.exception("%s failed unexpectedly", job)
        type(job).objects.filter(pk=job.pk).update(
            status=BackgroundJob.Status.FAILED, error="Internal error. See the worker log."
        )
        live.announce_on_commit(job_group(job))
        raise
    return type(job).objects.get(pk=job.pk).status
