from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviewer.datasets.models import DatasetVersion
from reviewer.datasets.transfer import export_version


class Command(BaseCommand):
    help = "Write a sealed dataset version as a zip: its manifest and every file it hashes."

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="the dataset's name")
        parser.add_argument("number", type=int, help="the version's number")
        parser.add_argument("out", type=Path, help="the zip to write")

    def handle(self, dataset, number, out, **options):
        version = DatasetVersion.objects.filter(dataset__name=dataset, number=number).first()
        if version is None:
            raise CommandError(f"no version {number} of a dataset named {dataset!r}")
        with out.open("wb") as handle:
            export_version(version, handle)
        cases = version.cases.count()
        self.stdout.write(f"{version} ({cases} cases, sha256 {version.sha256}) → {out}")
