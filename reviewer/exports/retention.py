"""Export bundles are kept while their download link is valid and deleted after: a zip holds
pseudonymised images and annotations, and a copy no one can download any more is only risk and
disk. Every export run sweeps before it writes (no scheduler needed); `manage.py
delete_expired_exports` does the same from cron."""

from pathlib import Path

from django.utils import timezone

from reviewer.exports import links
from reviewer.exports.models import ExportJob


def delete_expired(folder: Path) -> list[ExportJob]:
    """Delete the zips in ``folder`` whose link has expired and clear their jobs' file; the jobs
    swept."""
    now, swept = timezone.now(), []
    for job in ExportJob.objects.exclude(file="").exclude(token=""):
        if links.expires_at(job.token) > now:
            continue
        (folder / job.file).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        swept.append(job)
    return swept
