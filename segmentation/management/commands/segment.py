from django.core.management.base import BaseCommand, CommandError

from reviewer.cases.models import Patient
from reviewer.core.management.progress import progress_bar
from reviewer.core.models import User
from segmentation import tasks
from segmentation.models import InferenceJob


class Command(BaseCommand):
    help = (
        "Segment exams with the deployed AI for each patient's disease, here and now (the "
        "worklist and the API run the same job on a worker). Existing segmentations are kept, "
        "never duplicated."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--patient", help="a pseudonym")
        which.add_argument("--all", action="store_true", help="every patient")
        parser.add_argument(
            "--as-user", default=None, help="recorded as the job's creator (default: first admin)"
        )

    def handle(self, patient, all, as_user, **options):
        patients = Patient.objects.all() if all else Patient.objects.filter(pseudonym=patient)
        if not patients.exists():
            raise CommandError(f"no patient {patient!r}" if patient else "there are no patients")
        user = self._user(as_user)
        for one in patients.order_by("pseudonym"):
            job = InferenceJob.objects.create(patient=one, created_by=user)
            with progress_bar(f"segment {one}") as bar:
                tasks.run(job, also_report=bar)
            job.refresh_from_db()
            style = self.style.SUCCESS if job.status == "succeeded" else self.style.ERROR
            self.stdout.write(style(f"{one}: {job.status}. {job.message or job.error}"))

    @staticmethod
    def _user(username: str | None) -> User:
        users = (
            User.objects.filter(username=username)
            if username
            else User.objects.filter(role="admin")
        )
        user = users.order_by("pk").first()
        if user is None:
            raise CommandError("no such user; create one (or the demo users) first")
        return user
