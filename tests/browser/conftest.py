"""Browser tests: a real daphne server on the test database, Debian's Chromium driven by
Playwright, a logged-in page that fails its test on any console error, and a screenshot of every
test, passed or failed, kept under <var dir>/artifacts/browser/.

The case is expensive to build (a synthetic cohort, the bundled NODE model), so it is built once
and kept as a fixture file under the var dir; each test loads it into the test database,
committed (the server is another process: it sees only committed rows), and transactional_db
flushes it after the test.
"""

import contextlib
import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from neuroreview.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.case_builder import prepared_case
from tests.conftest import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VIEWPORT = {"width": 1600, "height": 900}


def artifacts_dir() -> Path:
    return Path(settings.VAR_DIR) / "artifacts" / "browser"


_ran = []  # set once this session has launched the browser


def pytest_terminal_summary(terminalreporter):
    folder = artifacts_dir()
    if _ran and folder.exists():
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser test screenshots ({count}): {folder}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- data and server -----------------------------------------------------------------------


@pytest.fixture(scope="package")
def viewer_case_dump(django_db_setup, django_db_blocker):
    """(case, dumpdata fixture, media folder): built once (see case_builder.prepared_case)."""
    with django_db_blocker.unblock():
        return prepared_case(Path(settings.VAR_DIR))


@pytest.fixture(scope="package")
def browser_media(viewer_case_dump) -> Path:
    return viewer_case_dump[2]


@pytest.fixture
def viewer_case(transactional_db, viewer_case_dump, settings):
    """The case of case_builder, committed (the server is another process: it sees only
    committed rows); flushed after the test by transactional_db."""
    case, dump, media = viewer_case_dump
    settings.MEDIA_ROOT = media
    # Rows the migrations seed (the first alarm rules) are in the dump too, and append-only:
    # loading over them would be an UPDATE the database refuses. Flush truncates.
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", str(dump), verbosity=0)
    return case


@pytest.fixture(scope="package")
def study_clock_file(tmp_path_factory) -> Path:
    """The file whose seconds the server adds to reader studies' clock (reviewer.studies.clock)."""
    return tmp_path_factory.mktemp("study-clock") / "offset"


@pytest.fixture
def study_clock(study_clock_file):
    """``study_clock(timedelta)``: the server's study clock runs that far ahead; back after."""

    def move(delta: datetime.timedelta) -> None:
        study_clock_file.write_text(str(delta.total_seconds()))

    yield move
    study_clock_file.unlink(missing_ok=True)


@pytest.fixture(scope="package")
def live_server_url(django_db_setup, browser_media, study_clock_file, tmp_path_factory):
    """`daphne neuroreview.asgi:application` on a free port of 127.0.0.1, on the test database."""
    port = _free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        NEUROREVIEW_MEDIA_ROOT=str(browser_media),
        NEUROREVIEW_STUDY_CLOCK_FILE=str(study_clock_file),
        PYTHONUNBUFFERED="1",
    )
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["neuroreview.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not _answers(f"{url}/login/"):
        if process.poll() is not None:
            pytest.fail(f"daphne exited:\n{log.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"daphne did not answer within 60 s:\n{log.read_text()}")
        time.sleep(0.2)
    yield url
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    artifacts_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(log, artifacts_dir() / "daphne.log")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM} "
            "(`make test` installs it: apt-get install -y chromium)."
        )
    shutil.rmtree(artifacts_dir(), ignore_errors=True)
    _ran.append(True)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls of the tests are
    # still plain synchronous calls on it, which Django would refuse without this.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleErrors:
    """Console errors and uncaught page errors of one test's page; any one fails the test,
    except those a test declares it expects (e.g. the 403 of a page it may not open)."""

    def __init__(self):
        self.seen: list[str] = []
        self.expected: list[re.Pattern] = []

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def new_page(viewer_case, chromium, live_server_url, console_errors, request):
    """``new_page(viewport=...)``: a page in its own browser context, watched for console
    errors, screenshotted when the test ends. All pages of a test share ``console_errors``."""
    contexts = []

    def make(viewport: dict | None = None):
        context = chromium.new_context(
            viewport=viewport or DEFAULT_VIEWPORT, base_url=live_server_url
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and console_errors.seen.append(f"console: {message.text} ({message.location})")
            ),
        )
        page.on("pageerror", lambda error: console_errors.seen.append(f"page error: {error}"))
        contexts.append((context, page))
        return page

    yield make
    outcome = _outcome(request.node)
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for number, (context, page) in enumerate(contexts):
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        suffix = f"-{number}" if len(contexts) > 1 else ""
        with contextlib.suppress(Exception):  # a crashed page has no screenshot to give
            page.screenshot(path=folder / f"{name}{suffix}-{outcome}.png", full_page=True)
        with contextlib.suppress(Exception):  # the viewer's own record of what went wrong
            for error in page.evaluate("() => window.__neuroreview?.errors ?? []"):
                console_errors.seen.append(f"window.__neuroreview.errors: {error}")
        context.close()
    unexpected = console_errors.unexpected()
    if unexpected:
        pytest.fail("console errors on the page:\n  " + "\n  ".join(unexpected))


def _outcome(item) -> str:
    report = getattr(item, "report_call", None)
    if report is None:
        return "error"
    return "passed" if report.passed else "failed"


def log_in(page, username: str, password: str) -> None:
    """Through the real login form."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/worklist/"))


@pytest.fixture
def reader_page(new_page, viewer_case):
    """A 1600×900 page logged in as the radiologist who may see the case."""
    page = new_page()
    log_in(page, viewer_case.reader, viewer_case.password)
    return page
