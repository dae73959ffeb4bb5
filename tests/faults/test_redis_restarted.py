"""Redis, the broker and the store of job progress, killed (SIGKILL) and started again: its
append-only file kept the queued jobs, a running job rides out the outage, and each job
completes once."""

import time

from reviewer.cases.models import Exam, Patient
from reviewer.imports.models import ImportJob
from tests.faults.conftest import PRIVATE, finished, live_state, small_exam_zip, wait_for

OUTAGE_S = 1  # longer than the gaps between an import's progress reports


def test_jobs_queued_when_redis_is_killed_each_complete_once_after_it_restarts(stack, tmp_path):
    uploads = [str(small_exam_zip(tmp_path, number)) for number in (1, 2, 3)]
    jobs = stack.seed("queued_imports", uploads=uploads)  # no worker yet: they wait in Redis

    stack.redis.kill()
    stack.redis.start()
    stack.worker()

    assert [finished(ImportJob, pk).status for pk in jobs] == ["succeeded"] * 3
    assert Patient.objects.using(PRIVATE).count() == 3
    assert Exam.objects.using(PRIVATE).count() == 3


def test_a_job_running_while_redis_is_down_and_those_queued_behind_it_complete_once(
    stack, tmp_path, cohort_zip
):
    uploads = [str(cohort_zip), *(str(small_exam_zip(tmp_path, n)) for n in (1, 2))]
    running, *queued = stack.seed("queued_imports", uploads=uploads)
    stack.worker()
    wait_for(
        lambda: "reading" in live_state(ImportJob, running)["message"],
        timeout_s=60,
        what="the first import running",
    )

    stack.redis.kill()
    time.sleep(OUTAGE_S)
    stack.redis.start()

    jobs = [finished(ImportJob, pk) for pk in (running, *queued)]
    assert [(job.status, job.error) for job in jobs] == [("succeeded", "")] * 3
    assert Patient.objects.using(PRIVATE).count() == 3
    assert Exam.objects.using(PRIVATE).count() == 3 + 1 + 1
