"""Freeze the ensemble's alarm thresholds over a named cohort from the current agreement rows
(α per target and metric from the current alarm rules), then score every exam against them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviewer.alarms import ensemble
from reviewer.alarms.thresholds import MINIMUM_EXAMS, FreezeError, freeze_thresholds
from reviewer.core.management.progress import progress_bar


class Command(BaseCommand):
    help = "Freeze median − α·MAD ensemble thresholds over a named cohort."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", required=True, help="the reference cohort's name")
        parser.add_argument(
            "--patients", help="comma-separated pseudonyms (default: every patient measured)"
        )
        parser.add_argument("--scaled-mad", action="store_true", help="MAD × 1.4826")
        parser.add_argument("--minimum-exams", type=int, default=MINIMUM_EXAMS)
        parser.add_argument("--note", default="")
        parser.add_argument("--user", help="the username recorded as having frozen them")

    def handle(self, cohort, patients, scaled_mad, minimum_exams, note, user, **options):
        who = None
        if user is not None:
            who = get_user_model().objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"--user: no user {user!r}")
        try:
            with progress_bar("freeze thresholds") as progress:
                frozen = freeze_thresholds(
                    cohort=cohort,
                    user=who,
                    patients=patients.split(",") if patients else None,
                    scaled_mad=scaled_mad,
                    minimum_exams=minimum_exams,
                    note=note,
                    progress=progress,
                )
        except FreezeError as error:
            raise CommandError(
                f"--{(error.field or 'cohort').replace('_', '-')}: {error}"
            ) from error
        for line in frozen.left_out:
            self.stdout.write(self.style.WARNING(f"left out: {line}"))
        ensemble.refresh_alarms()
        count = frozen.threshold_set.thresholds.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Froze {count} thresholds as set {frozen.threshold_set.pk} over "
                f"{frozen.threshold_set.cohort!r} ({len(frozen.threshold_set.exam_ids)} exams); "
                "ensemble alarms scored against them."
            )
        )
