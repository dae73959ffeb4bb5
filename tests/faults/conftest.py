"""Faults with real processes: a PostgreSQL cluster, a Redis server, Celery workers and a web
server of the tests' own, each on a port of its own, that the tests kill and start again. The
machine's shared PostgreSQL and Redis are never touched.

The code under test runs in those processes. The test process makes what a case needs with the
application's own services in a subprocess on the private services (tests/faults/seed.py), and
reads the private database through the connection alias PRIVATE and the private Redis through
its cache (job progress)."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import redis
from django.core.management import call_command
from django.db import connections

from neuroreview.celery import QUEUES
from reviewer.core.progress import job_state
from tests.conftest import worker_command
from tests.reviewer.imports import brats_builders as build

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = "/usr/bin/redis-server"
TEMPLATE = "neuroreview"  # migrated once; each test gets a copy
PRIVATE = "faults"  # the test process's connection alias to its test's private database
# A job taken by a worker that died goes back to its queue after this long (production: 3600 s)
VISIBILITY_S = 2
STARTUP_S = 60
TEST_SECRET_KEY = "fault-tests-only-" + "x" * 40


def wait_for(condition, *, timeout_s: float, what: str):
    """Poll condition() until it is truthy and return its value; fail naming what never came."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout_s} s")
        time.sleep(0.1)
    return value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    """A PostgreSQL 15 cluster run as the postgres OS user (the server refuses root), on
    127.0.0.1 and a port of its own, with its socket in its own folder."""

    def __init__(self, root: Path):
        self.root, self.data, self.port = root, root / "data", free_port()

    def create(self) -> None:
        shutil.chown(self.root, "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._pg_ctl("-l", self.root / "server.log", "-o", options, "start")

    def stop(self, *, check: bool = True) -> None:
        """Every server process quits at once, as in a crash; the next start recovers."""
        self._pg_ctl("-m", "immediate", "stop", check=check)

    def start_if_stopped(self) -> None:
        if self._pg_ctl("status", check=False).returncode:
            self.start()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement)

    def _pg_ctl(self, *argv, check: bool = True) -> subprocess.CompletedProcess:
        return self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-w", *argv, check=check)

    def _as_postgres(self, *argv, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, argv)], capture_output=True, text=True
        )
        if check and done.returncode:
            pytest.fail(f"{' '.join(map(str, argv))} failed:\n{done.stdout}{done.stderr}")
        return done


class RedisServer:
    """A Redis server that writes every change to its append-only file before it answers, as a
    production Redis that keeps queued jobs must (SECURITY.md)."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port)]
            + ["--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")]
            + ["--appendonly", "yes", "--appendfsync", "always", "--save", ""],
        )
        wait_for(self._answers, timeout_s=STARTUP_S, what="Redis answering")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
        except redis.ConnectionError:
            return False


class Stack:
    """One test's private services and folders, the environment of the processes that run the
    code under test, and those processes: each is killed when the test ends, whatever happened."""

    def __init__(
        self, postgres: PostgresCluster, redis: RedisServer, database: str, root: Path, logs: Path
    ):
        self.postgres, self.redis, self.database = postgres, redis, database
        self.media, self.var, self.tmp = root / "media", root / "var", root / "tmp"
        self.logs = logs
        for folder in (self.media, self.var, self.tmp, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.uploads = self.var / "uploads"  # settings.NEUROREVIEW_UPLOAD_DIR
        self.processes: list[subprocess.Popen] = []

    @property
    def env(self) -> dict:
        return dict(
            os.environ,
            DATABASE_URL=self.postgres.url(self.database),
            REDIS_URL=self.redis.url,
            NEUROREVIEW_MEDIA_ROOT=str(self.media),
            NEUROREVIEW_VAR_DIR=str(self.var),
            TMPDIR=str(self.tmp),
            NEUROREVIEW_BROKER_VISIBILITY_S=str(VISIBILITY_S),
            DJANGO_SECRET_KEY=TEST_SECRET_KEY,
            PYTHONUNBUFFERED="1",
        )

    def worker(self, queues=QUEUES) -> subprocess.Popen:
        """A Celery worker on these queues, one task at a time, as tests/conftest.py starts one."""
        return self._start("worker", worker_command(queues), ready="ready.")

    def web(self) -> str:
        """A daphne web server on a free port; returns its base URL."""
        port = free_port()
        argv = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "neuroreview.asgi:application"]
        self._start("web", [sys.executable, *argv], ready="Listening on TCP address")
        return f"http://127.0.0.1:{port}"

    def seed(self, function: str, **arguments):
        """Run tests/faults/seed.py's function in a process on the private services."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.seed", function, json.dumps(arguments)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            pytest.fail(f"seed {function} failed:\n{done.stdout}{done.stderr}")
        return json.loads(done.stdout.splitlines()[-1])

    def kill(self, process: subprocess.Popen) -> None:
        process.kill()  # SIGKILL: no handler runs, nothing is acknowledged or cleaned up
        process.wait()

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)

    def _start(self, name: str, argv: list[str], *, ready: str) -> subprocess.Popen:
        log = self.logs / f"{name}-{len(self.processes)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)

        def started() -> bool:
            if process.poll() is not None:
                pytest.fail(f"{name} exited:\n{log.read_text()[-4000:]}")
            return ready in log.read_text()

        wait_for(started, timeout_s=STARTUP_S, what=f"{name} starting")
        return process


@pytest.fixture(scope="session")
def postgres_cluster(tmp_path_factory):
    """The private cluster, with the database TEMPLATE migrated. Its folder is made outside
    pytest's temporary folders, which the postgres user may not enter."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="neuroreview-faults-pg-")))
    try:
        cluster.create()
        cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=dict(
                os.environ,
                DATABASE_URL=cluster.url(TEMPLATE),
                NEUROREVIEW_VAR_DIR=str(tmp_path_factory.mktemp("migrate-var")),
            ),
            check=True,
        )
        yield cluster
    finally:
        cluster.stop(check=False)
        shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture
def stack_root(tmp_path) -> Path:
    """Where a test's media and var folders live (a module may put them on a small disk)."""
    return tmp_path / "stack"


@pytest.fixture
def stack(postgres_cluster, stack_root, tmp_path, settings, django_db_blocker):
    """A fresh copy of the migrated database, a fresh Redis, and the processes a test starts;
    the test process reads that database as PRIVATE and job progress from that Redis."""
    database = f"test_{os.getpid()}_{time.monotonic_ns()}"
    postgres_cluster.execute(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    redis_folder = tmp_path / "redis"
    redis_folder.mkdir()
    server = RedisServer(redis_folder)
    running = Stack(postgres_cluster, server, database, stack_root, tmp_path / "logs")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
        }
    }
    try:
        server.start()
        with django_db_blocker.unblock(), database_alias(PRIVATE, running.env["DATABASE_URL"]):
            yield running
    finally:
        running.kill_all()
        server.kill()
        postgres_cluster.start_if_stopped()  # for the next test, whatever this one did


@contextmanager
def database_alias(alias: str, url: str):
    """The database at url as a connection alias of this process, while the block runs."""
    configured = connections.configure_settings(
        {"default": connections.settings["default"], alias: dj_database_url.parse(url)}
    )
    connections.settings[alias] = configured[alias]
    try:
        yield
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@pytest.fixture(scope="session")
def cohort(tmp_path_factory) -> Path:
    """The BraTS folder of one synthetic glioma patient with three exams (2 mm)."""
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    call_command(
        "make_demo_cohort",
        *("--patients", "1", "--seed", "3", "--resolution", "2", "--formats", "brats"),
        *("--out", str(out)),
    )
    return out / "brats"


@pytest.fixture(scope="session")
def cohort_zip(cohort, tmp_path_factory) -> Path:
    return zipped(cohort, tmp_path_factory.mktemp("upload"))


def zipped(folder: Path, out: Path) -> Path:
    """A folder as a reader uploads it: a zip holding the folder."""
    return Path(shutil.make_archive(str(out / folder.name), "zip", folder.parent, folder.name))


def small_exam_zip(tmp_path: Path, number: int) -> Path:
    """A zip of a BraTS folder with one small exam of its own patient (fast to import)."""
    folder = tmp_path / f"upload-{number}"
    build.write_exam_folder(folder, f"BraTS-GLI-{number:05}-000", layout="2023", seed=number)
    return zipped(folder, tmp_path)


def live_state(model, pk: int) -> dict:
    """What the job's page shows: the row's outcome, or the worker's live progress."""
    return job_state(model.objects.using(PRIVATE).get(pk=pk))


def finished(model, pk: int, *, timeout_s: float = 120):
    """The job's row once it has finished."""
    return wait_for(
        lambda: (job := model.objects.using(PRIVATE).get(pk=pk)).is_finished and job,
        timeout_s=timeout_s,
        what=f"{model.__name__} {pk} finishing",
    )


def stored_files(media: Path) -> dict[str, str]:
    """Every file under media, by its name there, with the sha256 of its bytes."""
    return {
        str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in media.rglob("*")
        if path.is_file()
    }


def whole(files: dict[str, str]) -> bool:
    """Whether each content-named file holds the bytes its name says."""
    return all(Path(name).name.split(".")[0] == sha256 for name, sha256 in files.items())
