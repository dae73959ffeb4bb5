"""The Celery app and the only way to declare a task in NeuroReview.

Three queues: `default` (imports, exports, everything else), `gpu` (inference and training, one
task at a time per GPU worker) and `background` (work nobody waits for, such as the NODE ACC
curves of an exam that already has its masks). A worker serving several takes them in that
order (the Redis transport's priority strategy), so a reader's import is taken before queued ACC
curves and AI results come before explanations. `make serve` and the compose file give imports
a worker of their own, so that they never wait behind inference; the demo's file broker takes
queues in turn, so there `background` has its own worker too, at the lowest CPU priority. Tasks are
acknowledged late and rejected when their worker dies, so a killed worker's task runs again: every
task must therefore be idempotent.
"""

import os

from celery import Celery, shared_task  # noqa: TID251 - this module is the sanctioned wrapper
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neuroreview.settings")

app = Celery("neuroreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
QUEUES = ("default", "gpu", "background")  # in the order a worker serving several takes them
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.autodiscover_tasks()


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


def background_task(**options):
    """A task on the `background` queue: taken only when `default` and `gpu` are empty."""
    return _task("background", **options)
