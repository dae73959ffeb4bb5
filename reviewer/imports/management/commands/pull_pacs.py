import datetime

from django.core.management.base import BaseCommand, CommandError

from imaging.dicomweb import StudyQuery
from imaging.errors import ImagingInputError
from reviewer.cases.models import Disease
from reviewer.core.management.progress import progress_bar
from reviewer.core.models import Role, User
from reviewer.imports.jobs import create_pull_job
from reviewer.imports.models import ImportJob
from reviewer.imports.uploads import run
from reviewer.pacs import connections
from reviewer.pacs.models import PacsConnection
from reviewer.preprocessing import runs


class Command(BaseCommand):
    help = (
        "Search a PACS's studies (without --study), or pull studies from it into the DICOM "
        "import and preprocessing, as the data steward given by --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("connection", help="a PACS connection's name (the admin's PACS list)")
        parser.add_argument("--patient-id", default="")
        parser.add_argument("--patient-name", default="", help="DICOM wildcards allowed: SMITH*")
        parser.add_argument("--date-from", type=datetime.date.fromisoformat)
        parser.add_argument("--date-to", type=datetime.date.fromisoformat)
        parser.add_argument("--modality", default="MR")
        parser.add_argument("--study", action="append", default=[], metavar="STUDY_UID")
        parser.add_argument("--disease", choices=Disease.values)
        parser.add_argument("--user", required=True, help="the data steward who pulls")

    def handle(self, connection, study, user, **options):
        try:
            connection = PacsConnection.objects.get(name=connection)
        except PacsConnection.DoesNotExist:
            names = ", ".join(PacsConnection.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no PACS connection {connection!r} (known: {names})") from None
        steward = User.objects.filter(username=user, role=Role.ADMIN).first()
        if steward is None:
            raise CommandError(f"{user!r} is not a data steward: only the steward pulls")
        try:
            if study:
                self._pull(connection, study, options["disease"], steward)
            else:
                self._search(connection, options)
        except ImagingInputError as error:
            raise CommandError(str(error)) from error

    def _search(self, connection, options) -> None:
        query = StudyQuery(
            **{k: options[k] or "" for k in ("patient_id", "patient_name", "modality")},
            date_from=options["date_from"],
            date_to=options["date_to"],
        )
        for found in connections.search(connection, query):
            imported = connections.imported_already(found.patient_id, found.study_uid)
            known = " (imported)" if imported else ""
            self.stdout.write(
                f"{found.study_uid}  {found.study_date}  {found.patient_id}  "
                f"{found.patient_name}  {found.description}  {found.series} series{known}"
            )

    def _pull(self, connection, studies, disease, steward) -> None:
        options = {"disease": disease} if disease else {}
        job = create_pull_job(
            user=steward, connection=connection, studies=studies, options=options, enqueue=False
        )
        run(job)  # here, not on a worker: whoever runs the command waits for its result
        job.refresh_from_db()
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        with progress_bar("preprocess") as progress:
            runs.run_queued(job.patients.all(), progress)
        self.stdout.write(self.style.SUCCESS(job.message))
