"""dicom3tools' DICOM object validator, `dciodvfy` (Debian's dicom3tools, `make pacs-tools`)."""

import pathlib
import re
import shutil
import subprocess

DCIODVFY = "dciodvfy"
# dciodvfy sometimes runs two messages into one line ("... Study TimeWarning - ...")
_MESSAGE_START = re.compile(r"(?=(?:Error|Warning|Abort) - )")


class DciodvfyError(RuntimeError):
    """dciodvfy is missing or answered in a way this helper does not understand."""


def dciodvfy_errors(path) -> list[str]:
    """The errors dciodvfy finds in the DICOM file at ``path``, warnings left out.

    Each is one message as dciodvfy writes it ("Error - Missing attribute Type 2 Required
    Element=<ScanOptions> Module=<MRImage>"); an empty list means the file passes. A file that is
    not DICOM at all yields dciodvfy's read errors ("Error - Dicom dataset read failed", ...), as
    does one it gives up on ("Abort - ..."): both fail validation. A missing file raises
    FileNotFoundError; a missing dciodvfy raises DciodvfyError.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file to validate at {path}")
    executable = shutil.which(DCIODVFY)
    if executable is None:
        raise DciodvfyError(
            "dciodvfy is not installed: run `make pacs-tools` (as root it installs dicom3tools)"
        )
    run = subprocess.run(
        [executable, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    messages = [
        part.strip()
        for line in run.stdout.splitlines()
        for part in _MESSAGE_START.split(line)
        if part.strip()
    ]
    errors = [m for m in messages if m.startswith(("Error - ", "Abort - "))]
    if run.returncode != 0 and not errors:
        raise DciodvfyError(
            f"dciodvfy exited with {run.returncode} on {path} without an error message:\n"
            f"{run.stdout[-2000:]}"
        )
    return errors
