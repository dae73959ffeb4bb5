"""Delete the export bundles whose download link has expired (reviewer.exports.retention): for
cron, where exports are rare and the sweep before each export run would come late."""

from django.core.management.base import BaseCommand

from reviewer.exports import retention, runs


class Command(BaseCommand):
    help = "Delete export zips whose download link has expired."

    def handle(self, *args, **options):
        swept = retention.delete_expired(runs.export_dir())
        for job in swept:
            self.stdout.write(f"deleted the bundle of export {job.pk} ({job.file})")
        self.stdout.write(f"{len(swept)} expired export bundle(s) deleted")
