"""Write a research export bundle of the patients a user may export (for a researcher: those
released to them among those they see; or the named ones among them), without the AI output
their blinding hides and the study events of the study versions they still read in, then verify
it from its files alone."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviewer.core.management.progress import progress_bar
from reviewer.exports.bundle import build, verify
from reviewer.exports.scope import (
    ExportRefused,
    exportable_patients,
    still_reading,
    without_ai,
    without_reference,
)


class Command(BaseCommand):
    help = "Export events, features and segmentations with their provenance to a zip."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="the zip to write")
        parser.add_argument("--user", required=True, help="the researcher exporting")
        parser.add_argument(
            "--patients", nargs="*", default=(), help="pseudonyms (default: all they may see)"
        )

    def handle(self, out, user, patients, **options):
        who = get_user_model().objects.filter(username=user).first()
        if who is None:
            raise CommandError(f"--user: no user {user!r}")
        try:
            scope = exportable_patients(who, patients)
        except ExportRefused as refused:
            raise CommandError(str(refused)) from refused
        with progress_bar("export_research") as progress:
            manifest = build(
                scope,
                out,
                progress=progress,
                without_ai=without_ai(who),
                without_reference=without_reference(who),
                still_reading=still_reading(who),
            )
        verified = verify(out)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {out}: {len(manifest['patients'])} patients, "
                f"{len(manifest['segmentations'])} segmentations, "
                f"{len(verified.events)} events; every hash verified."
            )
        )
