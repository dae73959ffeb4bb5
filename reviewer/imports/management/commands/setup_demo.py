"""Everything `make demo` needs after the cohort is built: import it once, create one user per
role, give the demo reading group and the researcher the patients. Safe to run again."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from imaging.errors import ImagingInputError
from reviewer.cases.models import IdentityLink, Patient
from reviewer.cases.permissions import grant_patient
from reviewer.core.management.progress import progress_bar
from reviewer.core.models import Role, User
from reviewer.imports.services import import_brats
from reviewer.studies import design, surveys
from reviewer.studies.models import Study
from reviewer.validation.deployment import install
from reviewer.viewer.preparation import prepare_patients
from segmentation.engine import artifacts
from segmentation.inference_jobs import create_inference_job
from segmentation.models import InferenceJob, ModelVersion
from segmentation.new_lesions import register_detection
from segmentation.services import register_model_version

READING_GROUP = "neuro-reading"
DEMO_STUDY = "Demo crossover study"
DEMO_QUESTIONS = {
    "questions": [
        {
            "id": "change",
            "type": "single_choice",
            "text": "Compared with the prior",
            "choices": [
                {"value": "response", "label": "Response"},
                {"value": "stable", "label": "Stable"},
                {"value": "progression", "label": "Progression"},
            ],
        },
        {"id": "new_lesions", "type": "lesion_marks", "text": "New or enlarging lesions"},
        {"id": "report", "type": "text", "text": "Report", "required": False},
    ]
}
DEMO_USERS = {
    "radiologist": Role.RADIOLOGIST,
    "qa_admin": Role.QA_ADMIN,
    "researcher": Role.RESEARCHER,
    "steward": Role.ADMIN,
}


class Command(BaseCommand):
    help = "Import the demo cohort (once) and create one demo user per role."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", type=Path, required=True, help="make_demo_cohort's --out")

    def handle(self, cohort, **options):
        self._import(cohort / "brats")
        credentials = self._users()
        group, _ = Group.objects.get_or_create(name=READING_GROUP)
        User.objects.get(username="radiologist").groups.add(group)
        researcher = User.objects.get(username="researcher")
        for patient in Patient.objects.all():
            grant_patient(patient, group)
            grant_patient(patient, researcher)
        self._models_and_jobs(User.objects.get(username="qa_admin"))
        self._reader_study(researcher)
        self.stdout.write("\nDemo users (also in var/demo-credentials.txt):")
        for username, password in credentials.items():
            self.stdout.write(f"  {username:<12} {password:<24} {DEMO_USERS[username].label}")

    def _models_and_jobs(self, user: User) -> None:
        """Register and install the bundled glioma weights and the MS new-lesion detection (no
        weights: its parameters), and queue the segmentation of every patient not segmented
        yet: the worker beside the server works through them."""
        folders = sorted(p.parent for p in artifacts.BUNDLED.glob(f"*/{artifacts.CARD}"))
        if not folders:
            raise CommandError(f"{artifacts.BUNDLED}: no bundled model weights (*/model.json)")
        versions = [register_model_version(folder) for folder in folders]
        versions.append(register_detection())
        for version in versions:
            if not ModelVersion.objects.lineage(version).deployed().exists():
                install(version, user=user, reason="the demo's bundled model versions")
        pending = list(Patient.objects.exclude(pk__in=InferenceJob.objects.values("patient")))
        with transaction.atomic():
            for patient in pending:
                create_inference_job(user=user, patient=patient)
        self.stdout.write(
            f"{len(versions)} model versions deployed; {len(pending)} patients queued for "
            "segmentation (follow them on the worklist)."
        )

    def _reader_study(self, researcher: User) -> None:
        """A started crossover study for the demo radiologist and QA admin to read: each
        patient's latest exam, the first one's as practice, with a category and lesion marks."""
        if Study.objects.filter(name=DEMO_STUDY).exists():
            return
        latest = [p.exams.order_by("-order").first() for p in Patient.objects.order_by("pk")]
        if len(latest) < 2:
            return
        survey = surveys.create_survey(name="Follow-up reading", user=researcher)
        questions = surveys.add_version(
            survey=survey, definition=DEMO_QUESTIONS, user=researcher, publish=True
        )
        readers = tuple(User.objects.filter(username__in=["radiologist", "qa_admin"]))
        draft = design.create_study(
            name=DEMO_STUDY,
            description="Each case read unaided and AI-aided, two weeks apart.",
            user=researcher,
            design=design.Design(
                cases=tuple(latest[1:]),
                practice_cases=(latest[0],),
                readers=readers,
                survey_version=questions,
            ),
        )
        design.start(draft)
        self.stdout.write(f"Reader study {DEMO_STUDY!r} started for {len(readers)} readers.")

    def _import(self, brats: Path) -> None:
        if IdentityLink.objects.filter(source="brats").exists():
            self.stdout.write("Demo cohort already imported; keeping the data.")
            return
        try:
            with progress_bar("import demo cohort") as progress:
                patients = import_brats(brats, progress=progress)
        except ImagingInputError as error:
            raise CommandError(str(error)) from error
        with progress_bar("prepare viewer") as progress:
            prepare_patients(patients, progress)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(patients)} demo patients."))

    def _users(self) -> dict[str, str]:
        """Passwords are generated once and kept, outside git, in var/demo-credentials.txt."""
        path = Path(settings.VAR_DIR) / "demo-credentials.txt"
        known = (
            dict(line.split(" ", 1) for line in path.read_text().splitlines())
            if path.exists()
            else {}
        )
        for username, role in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None or username not in known:
                known[username] = secrets.token_urlsafe(12)
                user = user or User(username=username, role=role)
                user.set_password(known[username])
                user.save()
        path.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
        path.chmod(0o600)
        return known
