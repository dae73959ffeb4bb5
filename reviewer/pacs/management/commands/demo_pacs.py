import signal
from pathlib import Path

import pydicom
from django.core.management.base import BaseCommand, CommandError

from imaging.dicomweb import connect
from neuroreview.orthanc import Orthanc, OrthancError
from reviewer.pacs.models import PacsConnection

NAME = "demo-pacs"
BATCH = 200  # instances per STOW-RS request: a few MB, well under any request limit


class Command(BaseCommand):
    help = (
        "Serve the demo's PACS until stopped: Debian's Orthanc on 127.0.0.1 (`make pacs-tools` "
        "installs it), known to NeuroReview as the PACS connection 'demo-pacs', filled on its "
        "first start with the DICOM files under --fill."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", type=Path, required=True, help="Orthanc's storage")
        parser.add_argument("--fill", type=Path, help="DICOM files to store when it is empty")
        parser.add_argument("--port", type=int, default=8042)

    def handle(self, folder, fill, port, **options):
        pacs = Orthanc(folder, http_port=port, dicom_port=port + 10)
        try:
            pacs.start()
        except OrthancError as error:
            raise CommandError(str(error)) from error
        signal.signal(signal.SIGTERM, lambda *_: pacs.stop())
        try:
            PacsConnection.objects.update_or_create(
                name=NAME, defaults={"dicomweb_url": pacs.dicomweb_url, "username": ""}
            )
            if fill and not pacs.rest("GET", "/studies"):
                self._fill(pacs, fill)
            studies = len(pacs.rest("GET", "/studies"))
            self.stdout.write(f"Demo PACS at {pacs.dicomweb_url} with {studies} study(ies)")
            pacs.process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            pacs.stop()

    def _fill(self, pacs: Orthanc, folder: Path) -> None:
        client = connect(pacs.dicomweb_url)
        files = sorted(folder.rglob("*.dcm"))
        for start in range(0, len(files), BATCH):
            client.store_instances([pydicom.dcmread(f) for f in files[start : start + BATCH]])
        self.stdout.write(f"Stored {len(files)} DICOM files from {folder}")
