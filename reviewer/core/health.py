"""Health of the parts NeuroReview needs: database, broker, a worker on each queue, and GPUs."""

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection

from neuroreview.celery import app

WORKER_TIMEOUT_S = 5.0


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "detail": f"{connection.vendor} reachable"}
    except Exception as error:  # any driver error means "down"
        return {"ok": False, "detail": f"{connection.vendor}: {error}"}


def check_broker() -> dict:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return {"ok": True, "detail": f"{conn.transport_cls} reachable"}
    except Exception as error:
        return {"ok": False, "detail": f"broker unreachable: {error}"}


def check_worker(task) -> tuple[dict, dict | None]:
    """Send a probe through the queue and wait for a worker to answer it. The probe expires, so
    probes sent while no worker runs do not pile up."""
    try:
        report = task.apply_async(expires=WORKER_TIMEOUT_S).get(timeout=WORKER_TIMEOUT_S)
    except CeleryTimeout:
        return {"ok": False, "detail": f"no worker answered within {WORKER_TIMEOUT_S:.0f} s"}, None
    except Exception as error:
        return {"ok": False, "detail": f"probe failed: {error}"}, None
    return {"ok": True, "detail": f"answered by {report['hostname']}"}, report


def health() -> dict:
    from reviewer.core.tasks import ping_default, ping_gpu

    checks = {"database": check_database(), "broker": check_broker()}
    if checks["broker"]["ok"]:
        checks["worker_default"], _ = check_worker(ping_default)
        checks["worker_gpu"], gpu_report = check_worker(ping_gpu)
    else:
        checks["worker_default"] = checks["worker_gpu"] = {
            "ok": False,
            "detail": "broker unreachable",
        }
        gpu_report = None
    if gpu_report is None:
        checks["gpu"] = {"ok": False, "detail": "unknown: no gpu-queue worker answered"}
    elif gpu_report["cuda"]:
        checks["gpu"] = {"ok": True, "detail": ", ".join(gpu_report["devices"])}
    else:
        checks["gpu"] = {
            "ok": False,
            "detail": "the gpu-queue worker sees no CUDA device (runs on CPU)",
        }
    # The application works without a GPU (inference falls back to the CPU).
    essential = ("database", "broker", "worker_default", "worker_gpu")
    return {"ok": all(checks[name]["ok"] for name in essential), "checks": checks}
