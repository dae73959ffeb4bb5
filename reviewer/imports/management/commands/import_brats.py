from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imaging.errors import ImagingInputError
from imaging.labels import LabelScheme
from reviewer.cases.models import Disease
from reviewer.core.management.progress import progress_bar
from reviewer.imports.services import import_brats
from reviewer.viewer.preparation import prepare_patients


class Command(BaseCommand):
    help = "Import a BraTS folder (2020 or 2021-2023 layout, .nii or .nii.gz); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--label-scheme",
            choices=[s.value for s in LabelScheme],
            help="label scheme of the _seg files (default: from exams.csv, else detected)",
        )
        parser.add_argument(
            "--disease",
            choices=Disease.values,
            help="the patients' disease (default: from exams.csv, else glioma)",
        )

    def handle(self, folder, label_scheme, disease, **options):
        scheme = LabelScheme(label_scheme) if label_scheme else None
        try:
            with progress_bar("import_brats") as progress:
                patients = import_brats(
                    folder,
                    label_scheme=scheme,
                    disease=Disease(disease) if disease else None,
                    progress=progress,
                )
        except ImagingInputError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        with progress_bar("prepare viewer") as progress:
            prepare_patients(patients, progress)
        exams = sum(p.exams.count() for p in patients)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(patients)} patient(s), {exams} exam(s) in all.")
        )
