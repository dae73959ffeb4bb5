"""The Celery app and the only way to declare a task in NeuroReview.

Two queues: `gpu` (inference and training, one task at a time per GPU worker) and `default`
(imports, exports, everything else). Tasks are acknowledged late and rejected when their worker
dies, so a killed worker's task runs again: every task must therefore be idempotent.
"""

import os

from celery import Celery, shared_task  # noqa: TID251 - this module is the sanctioned wrapper
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neuroreview.settings")

app = Celery("neuroreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("gpu"))
app.autodiscover_tasks()

QUEUES = ("default", "gpu")


def _task(queue: str, **options):
    return shared_task(
        bind=options.pop("bind", False),
        acks_late=True,
        reject_on_worker_lost=True,
        queue=queue,
        **options,
    )


def default_task(**options):
    """A task on the `default` queue."""
    return _task("default", **options)


def gpu_task(**options):
    """A task on the `gpu` queue: one at a time per GPU worker."""
    return _task("gpu", **options)
