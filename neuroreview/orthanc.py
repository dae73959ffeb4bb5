"""A real PACS on this machine: Debian's Orthanc with its DICOMweb plugin, run as a plain
foreground process with its own storage folder, answering HTTP from 127.0.0.1 only (`make
pacs-tools` installs both).

The tests start one per session on free ports in a temporary folder; `make demo` can serve one on a
fixed port from a folder that persists between runs::

    with Orthanc(folder, username="reader", password="secret") as pacs:
        client = DICOMwebClient(pacs.dicomweb_url, session=...)

No Django here: only the standard library, so a command, a test or a script can use it alike.
"""

import base64
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ORTHANC = pathlib.Path("/usr/sbin/Orthanc")
DICOMWEB_PLUGIN = pathlib.Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
HOST = "127.0.0.1"
DICOMWEB_ROOT = "/dicom-web/"
_INSTALL = "run `make pacs-tools` (as root it installs orthanc, orthanc-dicomweb and dicom3tools)"


class OrthancError(RuntimeError):
    """Orthanc is missing, did not start, or refused a REST request."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Orthanc:
    """One Orthanc process serving ``folder``: its configuration, log, storage and index live there.

    Ports default to free ones chosen at start; give ``http_port``/``dicom_port`` for a fixed
    address. With ``username`` and ``password`` every HTTP request (REST and DICOMweb) needs HTTP
    Basic authentication with them. Orthanc 1.10 listens on all interfaces and has no bind address
    option, so ``RemoteAccessAllowed: false`` is what refuses any HTTP client but this machine;
    the DICOM port accepts C-ECHO only (C-STORE from unregistered modalities is refused).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        http_port: int | None = None,
        dicom_port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        aet: str = "NEUROREVIEW_PACS",
        start_timeout: float = 30.0,
        executable: str | os.PathLike = ORTHANC,
        plugin: str | os.PathLike = DICOMWEB_PLUGIN,
    ):
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.folder = pathlib.Path(folder).resolve()
        self.http_port = http_port
        self.dicom_port = dicom_port
        self.username = username
        self.password = password
        self.aet = aet
        self.start_timeout = start_timeout
        self.executable = pathlib.Path(executable)
        self.plugin = pathlib.Path(plugin)
        self.process: subprocess.Popen | None = None
        self.started_in_s: float | None = None
        self.system: dict | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The REST API's base URL, e.g. http://127.0.0.1:8042."""
        if self.http_port is None:
            raise OrthancError("Orthanc has no HTTP port yet: start() it first")
        return f"http://{HOST}:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        """The DICOMweb base URL (QIDO-RS, WADO-RS, STOW-RS), without a trailing slash."""
        return self.url + DICOMWEB_ROOT.rstrip("/")

    @property
    def credentials(self) -> tuple[str, str] | None:
        return None if self.username is None else (self.username, self.password)

    @property
    def config_path(self) -> pathlib.Path:
        return self.folder / "orthanc.json"

    @property
    def log_path(self) -> pathlib.Path:
        return self.folder / "orthanc.log"

    # -- life --------------------------------------------------------------------------------

    def configuration(self) -> dict:
        """Orthanc's configuration file content for this instance."""
        storage = str(self.folder / "storage")
        return {
            "Name": self.aet,
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "HttpServerEnabled": True,
            "HttpPort": self.http_port,
            "DicomServerEnabled": True,
            "DicomPort": self.dicom_port,
            "DicomAet": self.aet,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": self.username is not None,
            "RegisteredUsers": {} if self.username is None else {self.username: self.password},
            "SaveJobs": False,
            "Plugins": [str(self.plugin)],
            "DicomWeb": {"Enable": True, "Root": DICOMWEB_ROOT, "EnableWado": False},
        }

    def start(self) -> "Orthanc":
        """Start Orthanc and return once ``/system`` answers; raise OrthancError otherwise."""
        if self.process is not None and self.process.poll() is None:
            return self
        for needed in (self.executable, self.plugin):
            if not needed.exists():
                raise OrthancError(f"{needed} is missing: {_INSTALL}")
        self.http_port = self.http_port or free_port()
        self.dicom_port = self.dicom_port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.configuration(), indent=2))
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.executable), str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                # its own session: a terminal's Ctrl-C reaches the owner, whose stop() ends it
                start_new_session=True,
            )
        try:
            self.system = self._wait_until_up(began + self.start_timeout)
        except BaseException:
            self.stop()
            raise
        self.started_in_s = time.monotonic() - began
        return self

    def _wait_until_up(self, deadline: float) -> dict:
        last = "no answer yet"
        while True:
            if self.process.poll() is not None:
                raise OrthancError(
                    f"Orthanc exited with code {self.process.returncode} while starting "
                    f"(HTTP port {self.http_port}, DICOM port {self.dicom_port}); "
                    f"its log {self.log_path} ends:\n{self.log_tail()}"
                )
            try:
                return self.rest("GET", "/system", timeout=1.0)
            except (OSError, OrthancError) as error:
                last = str(error)
            if time.monotonic() > deadline:
                raise OrthancError(
                    f"Orthanc did not answer {self.url}/system within {self.start_timeout:g} s "
                    f"({last}); its log {self.log_path} ends:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Orthanc (SIGTERM, then SIGKILL after ``timeout`` seconds). Storage is kept."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> "Orthanc":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- REST --------------------------------------------------------------------------------

    def rest(self, method: str, path: str, body: dict | None = None, timeout: float = 30.0):
        """Call Orthanc's REST API with this instance's credentials; the decoded JSON answer."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Accept": "application/json"},
        )
        if self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                content = answer.read()
        except urllib.error.HTTPError as error:
            raise OrthancError(f"{method} {path}: HTTP {error.code} {error.reason}") from error
        return json.loads(content) if content.strip() else None
