"""Compute what the viewer caches per content hash (voxel files, windows) ahead of the first
look, so that even the first opening of a case is served from files. Safe to run again: what is
cached already is skipped."""

from django.core.management.base import BaseCommand, CommandError

from reviewer.cases.models import Patient
from reviewer.core.management.progress import progress_bar
from reviewer.viewer.preparation import prepare_patients


class Command(BaseCommand):
    help = "Prepare the viewer's voxel files and windows of every (or one patient's) volume."

    def add_arguments(self, parser):
        parser.add_argument("--patient", help="a pseudonym (default: every patient)")

    def handle(self, patient=None, **options):
        patients = Patient.objects.all()
        if patient is not None:
            patients = patients.filter(pseudonym=patient)
            if not patients.exists():
                raise CommandError(f"--patient: no patient {patient!r}")
        with progress_bar("prepare viewer volumes") as progress:
            count = prepare_patients(patients, progress)
        self.stdout.write(self.style.SUCCESS(f"Prepared {count} volumes for the viewer."))
