from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviewer.core.models import Role, User
from reviewer.datasets.transfer import TransferError, import_version


class Command(BaseCommand):
    help = (
        "Import a dataset version exported by export_dataset_version: the missing patients and "
        "exams are made from its files, and the version is sealed again with the same hash."
    )

    def add_arguments(self, parser):
        parser.add_argument("zip", type=Path)
        parser.add_argument("--user", required=True, help="the QA admin who imports it")
        parser.add_argument("--dataset", default="", help="import into this dataset instead")

    def handle(self, zip, user, dataset, **options):
        importer = User.objects.filter(username=user, role__in=[Role.QA_ADMIN, Role.ADMIN]).first()
        if importer is None:
            raise CommandError(f"{user!r} is not a QA admin or the data steward")
        try:
            version = import_version(zip, user=importer, dataset=dataset)
        except TransferError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{version}: {version.cases.count()} cases, sha256 {version.sha256}")
