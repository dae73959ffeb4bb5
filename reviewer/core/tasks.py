from neuroreview.celery import default_task, gpu_task


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
