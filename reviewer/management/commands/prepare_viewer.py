"""Compute what the viewer caches per content hash (voxel files, windows) ahead of the first
look, so that even the first opening of a case is served from files. Safe to run again: what is
cached already is skipped."""

from django.core.management.base import BaseCommand, CommandError

from reviewer.management.progress import progress_bar
from reviewer.models import Patient, Segmentation, Series
from reviewer.services.voxel_cache import volume_summary, voxel_file


class Command(BaseCommand):
    help = "Prepare the viewer's voxel files and windows of every (or one patient's) volume."

    def add_arguments(self, parser):
        parser.add_argument("--patient", help="a pseudonym (default: every patient)")

    def handle(self, patient=None, **options):
        series, segmentations = Series.objects.all(), Segmentation.objects.all()
        if patient is not None:
            if not Patient.objects.filter(pseudonym=patient).exists():
                raise CommandError(f"--patient: no patient {patient!r}")
            series = series.filter(exam__patient__pseudonym=patient)
            segmentations = segmentations.filter(exam__patient__pseudonym=patient)
        volumes = [*series.order_by("pk"), *segmentations.order_by("pk")]
        with progress_bar("prepare viewer volumes") as progress:
            for done, volume in enumerate(volumes):
                progress(done, len(volumes), str(volume))
                voxel_file(volume)
                volume_summary(volume)
            progress(len(volumes), len(volumes), "done")
        self.stdout.write(self.style.SUCCESS(f"Prepared {len(volumes)} volumes for the viewer."))
