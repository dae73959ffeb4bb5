from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imaging.errors import ImagingInputError
from imaging.sequences import Sequence
from imaging.series_selection import listing
from reviewer.cases.models import Disease
from reviewer.core.management.progress import progress_bar
from reviewer.imports.services import import_dicom
from reviewer.preprocessing import runs
from reviewer.viewer.preparation import prepare_patients


def parse_override(text: str) -> tuple[str, Sequence]:
    """'SERIES=SEQUENCE': a SeriesInstanceUID or SeriesDescription, and one of the four."""
    key, _, value = text.partition("=")
    try:
        return key.strip(), Sequence(value.strip().upper())
    except ValueError:
        raise CommandError(
            f"--sequence {text!r}: expected SERIES=SEQUENCE with SEQUENCE one of "
            f"{', '.join(s.value for s in Sequence)}"
        ) from None


class Command(BaseCommand):
    help = "Import DICOM MR series from a folder or zip, de-identified before storage."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--sequence",
            action="append",
            default=[],
            metavar="SERIES=SEQUENCE",
            help="override recognition: series UID or description = FLAIR|T1|T1CE|T2",
        )
        parser.add_argument(
            "--disease",
            choices=Disease.values,
            help="the patients' disease, which decides the AI that runs (default: not recorded)",
        )

    def handle(self, path, sequence, disease, **options):
        overrides = dict(parse_override(text) for text in sequence)
        seen = []
        try:
            with progress_bar("import_dicom") as progress:
                patients = import_dicom(
                    path,
                    sequence_overrides=overrides,
                    disease=Disease(disease) if disease else None,
                    progress=progress,
                    series_report=seen.extend,
                )
        except ImagingInputError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        self.stdout.write(f"Series seen:\n{listing(seen)}")
        # Here, not on a worker: whoever runs the command waits for its exams to be ready.
        with progress_bar("preprocess") as progress:
            done = runs.run_queued(patients, progress)
        for run in done:
            self.stdout.write(f"{run.exam}: {run.get_status_display()}. {run.message}{run.error}")
        with progress_bar("prepare viewer") as progress:
            prepare_patients(patients, progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(patients)} patient(s): {', '.join(map(str, patients))}"
            )
        )
