"""Suite-wide fixtures: the real services must be there, users per role, a real Celery worker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from neuroreview.celery import QUEUES

ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session):
    """Fail at once, and say which, when PostgreSQL or Redis is unreachable."""
    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL (make test sets it)")
    else:
        import psycopg

        try:
            psycopg.connect(
                host=database["HOST"],
                port=database["PORT"] or 5432,
                user=database["USER"],
                password=database["PASSWORD"] or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as error:
            problems.append(
                f"PostgreSQL at {database['HOST']}:{database['PORT']} is unreachable: {error}"
            )
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must point at Redis (make test sets it)")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at {settings.REDIS_URL} is unreachable: {error}")
    if problems:
        pytest.exit(
            "The test services are not available:\n  " + "\n  ".join(problems), returncode=3
        )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.NEUROREVIEW_UPLOAD_DIR = tmp_path_factory.mktemp("uploads")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def prepared_spacing(settings):
    """The tests' cohorts are 2 mm: preprocessing keeps their exams on a 2 mm grid (the runs
    record it, so workers started by tests follow it too)."""
    settings.NEUROREVIEW_PREPARED_SPACING_MM = 2.0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test's users are hashed cheaply (tests/hashers.py); the suite makes thousands."""
    settings.PASSWORD_HASHERS = ["tests.hashers.FastPBKDF2PasswordHasher"]


@pytest.fixture
def make_user(db, django_user_model):
    def make(role: str, username: str | None = None, **fields):
        return django_user_model.objects.create_user(
            username=username or f"{role}-{django_user_model.objects.count()}",
            password="pw-for-tests-only",
            role=role,
            **fields,
        )

    return make


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on every queue, against the test database and Redis."""
    media = tmp_path_factory.mktemp("worker-media")
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        NEUROREVIEW_MEDIA_ROOT=str(media),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            worker_command(QUEUES),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited:\n{log.read_text()}")
        time.sleep(0.2)
    yield process, media, log
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def worker_command(queues) -> list[str]:
    """A Celery worker on these queues that runs one task at a time in its main process (solo:
    a kill of that process is a kill of the task)."""
    return [
        sys.executable, "-m", "celery", "-A", "neuroreview", "worker", "-Q", ",".join(queues),
        "-P", "solo", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
