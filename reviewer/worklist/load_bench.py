"""Load benchmark: concurrent readers against the server on 127.0.0.1 (issue 13).

``python -m reviewer.worklist.load_bench`` creates a PostgreSQL database of its own on the
server at 127.0.0.1:5432 and takes one Redis database (``--redis-db``), both emptied at the end
whatever happens, with a temporary var dir. Into it go a synthetic cohort at 2 mm (the project's
``make_demo_cohort`` and ``import_brats``) and, on every glioma exam, a NODE-family composite
made the way inference stores one: ET, TC and WT maps stored as a model's (here taken from the
exam's reference labels: no network runs), then announced, so that the composite, its lesions
and the viewer's files exist. A reading group of radiologists is granted the cohort.

daphne serves it on a free port of 127.0.0.1, as ``make serve`` does, and locust (headless, in
its own process: reviewer/worklist/load_readers.py says what each reader does) runs ``--users``
readers for ``--seconds``. Then the benchmark prints one JSON line per request kind (p50, p95
and max milliseconds, requests, errors) and a summary line, each naming the machine, and checks
in the database that every write the server acknowledged (201) is stored exactly once.

It exits non-zero when a write was lost or stored twice, or the server answered 5xx. The load
generator shares the machine's cores with the server: the figures are those of one machine.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from reviewer.viewer.bench import Daphne, emit

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
SEED = 20261125
RESOLUTION_MM = 2
READER_PREFIX = "load-reader-"
PASSWORD = "load-bench-only-password-3d8a"
READING_GROUP = "load-reading"
THINK_S = (1.0, 3.0)  # a reader's pause between two cases
LOCUSTFILE = Path(__file__).with_name("load_readers.py")


def create_database() -> str:
    import psycopg
    from psycopg import sql

    name = f"neuroreview_load_{secrets.token_hex(4)}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def flush_redis(redis_url: str) -> None:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()


def _setup_django(var: Path, database: str, redis_url: str) -> None:
    """Settings from the environment, which daphne inherits: production's PostgreSQL and Redis."""
    os.environ.update(
        NEUROREVIEW_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="neuroreview.settings",
        DATABASE_URL=f"{POSTGRES}/{database}",
        REDIS_URL=redis_url,
    )
    for name in ("NEUROREVIEW_MEDIA_ROOT", "DJANGO_DEBUG"):
        os.environ.pop(name, None)
    import django

    django.setup()


def build_cohort(var: Path, patients: int) -> dict:
    """Migrate, make and import the cohort, segment its glioma exams; returns what it holds."""
    from django.core.management import call_command

    from reviewer.cases.models import Exam

    call_command("migrate", interactive=False, verbosity=0)
    cohort = var / "cohort"
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed with the process
    call_command(
        "make_demo_cohort",
        patients=patients,
        seed=SEED,
        resolution=RESOLUTION_MM,
        formats="brats",
        out=cohort,
        stdout=quiet,
    )
    call_command("import_brats", cohort / "brats", stdout=quiet)
    exams = list(Exam.objects.filter(patient__disease="glioma").order_by("pk"))
    _segment_from_reference(exams)
    return {"patients": patients, "exams": Exam.objects.count(), "segmented_exams": len(exams)}


def _segment_from_reference(exams) -> None:
    """Each exam's ET, TC and WT stored as a deployed NODE model's maps, from its reference."""

    from reviewer.core.storage import read_nifti
    from segmentation import inference
    from segmentation.engine.targets import Target, target_mask
    from segmentation.models import ModelVersion

    versions = {
        target: ModelVersion.objects.create(
            name=f"load-{target}",
            version="reference",
            kind=ModelVersion.Kind.NODE,
            target=target,
            sha256=f"load-bench-{target}".ljust(64, "0"),
        )
        for target in Target
    }
    for exam in exams:
        reference = exam.segmentations.get(source="reference")
        image = read_nifti(reference.file.name)
        labels = np.asanyarray(image.dataobj)
        for target, version in versions.items():
            inference.store_model_segmentation(
                exam,
                version,
                target_mask(labels, target, reference.label_scheme),
                image.affine,
                source_file=f"{target} of the reference of exam {exam.order} (load benchmark)",
            )
        inference.announce_segmented(exam)


def add_readers(users: int) -> list[str]:
    """A reading group of radiologists that may see every patient; one password hash for all
    (a password hash is slow on purpose: made once, not once per reader)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from reviewer.cases.models import Patient
    from reviewer.cases.permissions import grant_patient
    from reviewer.core.models import Role, User

    hashed = make_password(PASSWORD)
    names = [f"{READER_PREFIX}{n:03d}" for n in range(users)]
    readers = User.objects.bulk_create(
        User(username=name, role=Role.RADIOLOGIST, password=hashed) for name in names
    )
    group = Group.objects.create(name=READING_GROUP)
    group.user_set.add(*readers)
    for patient in Patient.objects.all():
        grant_patient(patient, group)
    return names


def run_locust(url: str, var: Path, readers: list[str], seconds: int, spawn_rate: float) -> dict:
    """Locust headless in its own process; a progress bar on stderr while it runs."""
    from reviewer.core.management.progress import progress_bar

    results = var / "load-results.json"
    plan = var / "load-plan.json"
    plan.write_text(
        json.dumps(
            {"readers": readers, "password": PASSWORD, "think_s": THINK_S, "results": str(results)}
        )
    )
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", url, "--users", str(len(readers)), "--spawn-rate", str(spawn_rate)]
    command += ["--run-time", f"{seconds}s", "--stop-timeout", "30", "--only-summary"]
    command += ["--exit-code-on-error", "0"]  # errors are judged here, from the results
    with (var / "locust.log").open("w") as log:
        process = subprocess.Popen(
            command,
            env=dict(os.environ, NEUROREVIEW_LOAD_PLAN=str(plan)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.monotonic()
        with progress_bar(f"load: {len(readers)} readers") as progress:
            while process.poll() is None:
                elapsed = min(int(time.monotonic() - started), seconds)
                progress(elapsed, seconds, f"{elapsed} of {seconds} s")
                time.sleep(1)
    if process.returncode != 0 or not results.exists():
        raise RuntimeError(f"locust failed ({process.returncode}); --keep keeps {log.name}")
    return json.loads(results.read_text())


def request_figures(requests: list[list]) -> dict[str, dict]:
    """Per request kind: p50, p95 and max milliseconds, requests, errors (anything but the
    expected answer: 200 to a read, 201 or 409 to a write, the redirect after signing in) and
    among them server errors (5xx) and requests that got no answer."""
    expected = {"login": {302}, "assessment write": {201, 409}, "verdict write": {201, 409}}
    by_kind = defaultdict(list)
    for kind, ms, status in requests:
        by_kind[kind].append((ms, status))
    figures = {}
    for kind, rows in sorted(by_kind.items()):
        times = np.array([ms for ms, _ in rows])
        statuses = Counter(status for _, status in rows)
        p50, p95 = np.percentile(times, [50, 95])
        figures[kind] = {
            "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1),
            "max_ms": round(float(times.max()), 1),
            "requests": len(rows),
            "errors": sum(n for s, n in statuses.items() if s not in expected.get(kind, {200})),
            "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            "no_answer": statuses[0],
        }
    return figures


def write_accounting(writes: list[dict], stored: dict[tuple[str, int], list[int]]) -> dict:
    """Every acknowledged write (201 with an id) against the rows stored under its number:
    lost when no row with its id carries it, duplicated when more than one row carries it."""
    acknowledged = [w for w in writes if w["status"] == 201]
    found = [w for w in acknowledged if w["id"] in stored.get((w["kind"], w["number"]), [])]
    return {
        "writes_attempted": len(writes),
        "writes_acknowledged": len(acknowledged),
        "writes_stored": len(found),
        "writes_lost": len(acknowledged) - len(found),
        "writes_duplicated": sum(len(ids) > 1 for ids in stored.values()),
        "writes_stored_unacknowledged": len(
            {(w["kind"], w["number"]) for w in writes if w["status"] != 201} & stored.keys()
        ),
        "conflicts_409": sum(w["status"] == 409 for w in writes),
    }


def stored_writes() -> dict[tuple[str, int], list[int]]:
    """(kind, write number) → ids of the rows that the load readers' writes left."""
    from reviewer.grading.models import Assessment, LesionVerdict

    stored = defaultdict(list)
    for kind, model in (("assessment", Assessment), ("verdict", LesionVerdict)):
        rows = model.objects.filter(reader__username__startswith=READER_PREFIX)
        for number, pk in rows.values_list("reading_time_ms", "pk"):
            stored[kind, number].append(pk)
    return dict(stored)


def run(args: argparse.Namespace) -> int:
    redis_url = f"{REDIS}/{args.redis_db}"
    database = create_database()
    var = Path(tempfile.mkdtemp(prefix="neuroreview-load-"))
    try:
        _setup_django(var, database, redis_url)
        built = time.perf_counter()
        cohort = build_cohort(var, args.patients)
        readers = add_readers(args.users)
        build_s = round(time.perf_counter() - built, 1)
        server = Daphne(var)
        try:
            results = run_locust(server.url, var, readers, args.seconds, args.spawn_rate)
        finally:
            server.stop()
        return report(results, args, {**cohort, "build_s": build_s})
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(database)
        flush_redis(redis_url)
        if args.keep:
            print(f"kept {var} (daphne.log, locust.log)", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)


def report(results: dict, args: argparse.Namespace, cohort: dict) -> int:
    """Print the figures; the exit status: 0 unless a write was lost or doubled, or a 5xx."""
    figures = request_figures(results["requests"])
    for kind, line in figures.items():
        emit("load", kind, line)
    writes = write_accounting(results["writes"], stored_writes())
    total = sum(line["requests"] for line in figures.values())
    summary = {
        "users": args.users,
        "duration_s": args.seconds,
        "spawn_rate_per_s": args.spawn_rate,
        "think_s": list(THINK_S),
        "requests": total,
        "requests_per_s": round(total / args.seconds, 1),
        "errors": sum(line["errors"] for line in figures.values()),
        "server_errors": sum(line["server_errors"] for line in figures.values()),
        **writes,
        **cohort,
    }
    emit("load", "summary", summary)
    failures = [
        f"{summary[key]} {what}"
        for key, what in (
            ("writes_lost", "acknowledged writes not stored"),
            ("writes_duplicated", "writes stored more than once"),
            ("server_errors", "server errors (5xx)"),
        )
        if summary[key]
    ]
    if failures:
        print(f"load benchmark FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--seconds", type=int, default=60, help="duration (default 60)")
    parser.add_argument(
        "--spawn-rate", type=float, default=10, help="readers started per second (default 10)"
    )
    parser.add_argument("--patients", type=int, default=8, help="cohort size (default 8)")
    parser.add_argument(
        "--redis-db", type=int, default=9, help="Redis database to use and flush (default 9)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir")
    sys.exit(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
