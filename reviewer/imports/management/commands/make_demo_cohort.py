from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imaging.synthetic import build_cohort
from imaging.synthetic.cohort import DEFAULT_FORMATS, EXAMS, FORMATS
from reviewer.core.management.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Build the synthetic demo cohort from nilearn's MNI152 templates: gliomas that grow, "
        "shrink or stay stable and MS-like lesions that appear, over three exams, as a BraTS "
        "folder, as DICOM series and, on request, as the clinical studies a scanner writes "
        "(heads on their own grids, with a localizer and diffusion). Re-running with the same "
        "arguments keeps what is there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients", type=int, default=4, help="number of patients (default 4)"
        )
        parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
        parser.add_argument(
            "--resolution", type=int, choices=(1, 2), default=2, help="voxel size in mm"
        )
        parser.add_argument("--out", type=Path, required=True, help="an empty or new folder")
        parser.add_argument(
            "--formats",
            default=",".join(DEFAULT_FORMATS),
            help=(
                f"comma-separated, any of {', '.join(FORMATS)} (default "
                f"{','.join(DEFAULT_FORMATS)}); clinical: whole heads on each series' own grid, "
                "with a localizer and a diffusion series, under <out>/clinical"
            ),
        )

    def handle(self, patients, seed, resolution, out, formats, **options):
        wanted = [f.strip() for f in formats.split(",") if f.strip()]
        written = []
        try:
            with progress_bar("make_demo_cohort") as update:

                def exam_written(exam_folder: str) -> None:
                    written.append(exam_folder)
                    update(len(written), patients * EXAMS, exam_folder)

                cohort = build_cohort(
                    out,
                    patients=patients,
                    seed=seed,
                    resolution=resolution,
                    formats=wanted,
                    progress=exam_written,
                )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not written:
            self.stdout.write(f"{out} already holds this cohort; nothing was rewritten.")
        for patient in cohort["patients"]:
            self.stdout.write(
                f"{patient['patient']}  {patient['kind']:<6} {patient['course']:<11} "
                f"{patient['volume_change_percent']:+.1f} % over {len(patient['exams'])} exams"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Cohort of {len(cohort['patients'])} patient(s) at {cohort['resolution_mm']} mm "
                f"({', '.join(cohort['formats'])}) in {out}"
            )
        )
