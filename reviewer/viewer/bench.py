"""Benchmark of the exam viewer in headless Chromium (Debian's, driven by Playwright).

``python -m reviewer.viewer.bench`` builds, in a temporary var dir with SQLite, a one-patient
synthetic cohort at 1 mm (3 exams × 4 sequences, the project's own ``make_demo_cohort`` and
``import_brats``), serves it with daphne on 127.0.0.1 and opens the viewer of the patient, then
prints one JSON line per measurement, each naming the machine (CPU, cores) and the browser:

* ``viewer``: navigation → manifest, first image and all panels rendered (the page hooks
  ``window.__neuroreview.manifestAt / firstImageAt / allPanelsAt``, performance.now() from the
  navigation start), and the bytes transferred (the Resource Timing entries' ``transferSize``,
  i.e. bytes on the wire, headers included, 0 from the browser cache; and ``encodedBodySize``).
  Three cases: ``server_cold`` (the very first opening: the server compresses each volume once
  and caches it by content hash), ``browser_cold`` (a new browser profile, server caches warm)
  and ``browser_warm`` (a second navigation in the same profile: the HTTP cache).
* ``flow``: the NODE flow of one axial slice (the lesion's) at 26 stages, from the click on the
  panel's Flow button to ``flowReadyAt`` (the first frame drawn: playable), ``server_cold``
  (the server runs the model) and ``cached`` (a new page asks for the same flow again).

* ``manifest``: the server time of the manifest request (the Django test client in-process:
  middleware, session, permissions, the manifest, its serializer and JSON rendering; no network),
  median and worst of ``MANIFEST_REPEATS`` after one warm-up, for the browser case and for a noisy
  case: 3 exams on the BraTS 1 mm grid, each segmented by both model families (ET, TC, WT) into
  composites of 10,000 components, most of them the 1–3-voxel specks a noisy model leaves (the
  sizes the issue saw), half of them at the same place in every exam; and for a case of as many
  lesions: the same exams with 300 listed lesions per composite (5×5×5 voxels each, 1,800 in
  the manifest). ``--only manifest`` runs these alone, without Chromium or the cohort.

The NODE WT model (small preset, bundled weights) segments the axial slab around the centre of
the reference lesion (± 6 slices) of the current exam, on the CPU, so that there is a NODE
segmentation to ask a flow of; inference is not what is timed here. Targets (issue 5): first
image < 1.5 s, all panels < 4 s, flow playable < 3 s; issue 12: the manifest of any case in
< 200 ms of server time. Speed is measured here only, never asserted in the tests.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from neuroreview.chromium import CHROMIUM, CHROMIUM_ARGS

TARGETS_S = {"first_image": 1.5, "all_panels": 4.0, "flow_playable": 3.0, "manifest": 0.2}
SEED = 20261125
USERNAME, PASSWORD = "bench-reader", "bench-only-password-7c1e"
SLAB_HALF = 6
MANIFEST_REPEATS = 20
NOISY_COMPONENTS = 10_000
NOISY_SHAPE = (240, 240, 155)  # the BraTS grid, 1 mm
# speck boxes (voxels along i, j, k) and how often a noisy model leaves them: 80 % of 1–3 voxels
SPECKS = {
    (1, 1, 1): 0.40,
    (2, 1, 1): 0.25,
    (3, 1, 1): 0.15,
    (2, 2, 1): 0.08,
    (2, 2, 2): 0.07,
    (3, 3, 2): 0.03,
    (3, 3, 3): 0.02,
}
SPECK_PITCH = 4  # specks sit on a 4-voxel lattice, so that none touches another
# The other heavy case: every component a lesion (5×5×5 voxels, 0.125 mL, over the minimum), as
# many as an MS patient's FLAIR map may list; on an 8-voxel lattice so that none touches another.
LISTED_LESIONS = 300
LESION_BOXES = {(5, 5, 5): 1.0}
LESION_PITCH = 8


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _setup_django(var: Path) -> None:
    os.environ["NEUROREVIEW_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "neuroreview.settings"
    for name in ("DATABASE_URL", "REDIS_URL", "NEUROREVIEW_MEDIA_ROOT", "DJANGO_DEBUG"):
        os.environ.pop(name, None)  # SQLite and the file broker of the temp var dir
    import django

    django.setup()


def add_reader() -> None:
    """Migrate the empty database and add the radiologist the benchmarks log in as."""
    from django.core.management import call_command

    from reviewer.core.models import User

    call_command("migrate", interactive=False, verbosity=0)
    user = User(username=USERNAME, role="radiologist")
    user.set_password(PASSWORD)
    user.save()


def build_case(var: Path, resolution: int) -> dict:
    """Make and import the cohort, grant it to the reader, add the NODE segmentation."""
    from django.core.management import call_command

    cohort = var / "cohort"
    call_command(
        "make_demo_cohort",
        patients=1,
        seed=SEED,
        resolution=resolution,
        formats="brats",
        out=cohort,
        stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process
    )
    call_command("import_brats", cohort / "brats", stdout=open(os.devnull, "w"))  # noqa: SIM115

    from reviewer.cases.models import Patient
    from reviewer.cases.permissions import grant_patient
    from reviewer.core.models import User

    patient = Patient.objects.get()
    grant_patient(patient, User.objects.get(username=USERNAME))
    current = patient.exams.order_by("order").last()
    node = _node_segmentation(current)
    series = current.series.get(sequence="FLAIR")
    return {
        "pseudonym": patient.pseudonym,
        "node_segmentation": node.pk,
        "shape": series.shape,
        "spacing_mm": series.spacing,
        "exams": patient.exams.count(),
        "series": sum(e.series.count() for e in patient.exams.all()),
    }


def _node_segmentation(exam):
    import numpy as np
    import torch

    from reviewer.core.storage import read_nifti
    from segmentation import inference
    from segmentation.engine import artifacts, predict
    from segmentation.engine.data import normalize_exam
    from segmentation.models import Segmentation
    from segmentation.services import register_model_version

    folder = artifacts.BUNDLED / "node-wt-small"
    version = register_model_version(folder)
    cpu = torch.device("cpu")
    weights = (folder / "weights.pt").read_bytes()
    model = predict.load_model(version.kind, version.configuration["config"], weights, cpu)
    channels, _ = normalize_exam(inference.exam_images(exam))
    reference = Segmentation.objects.get(exam=exam, source="reference")
    lesion = np.flatnonzero(
        (np.asanyarray(read_nifti(reference.file.name).dataobj) > 0).any((0, 1))
    )
    centre = int(lesion[len(lesion) // 2])
    lo, hi = max(0, centre - SLAB_HALF), min(channels.shape[-1], centre + SLAB_HALF + 1)
    mask = predict.predict_slab(model, channels, version.sequences, slice(lo, hi), device=cpu)
    segmentation = inference.store_model_segmentation(
        exam,
        version,
        mask,
        np.asarray(exam.series.first().affine, dtype=float),
        source_file=f"{version} on exam {exam.order} (benchmark slab)",
    )
    inference.announce_segmented(exam)
    return segmentation


def build_noisy_case(
    components: int = NOISY_COMPONENTS,
    boxes: dict = SPECKS,
    pitch: int = SPECK_PITCH,
    pseudonym: str = "NR-BENCH-NOISY",
) -> str:
    """A glioma patient of 3 exams on one grid, each segmented by both families into composites
    of `components` components each (one tumour, the rest boxes of the sizes and frequencies of
    `boxes` on a lattice of `pitch` voxels); prepared for the viewer as inference prepares an
    exam. Returns its pseudonym."""

    from imaging.nifti_io import volume_from_array
    from imaging.sequences import Sequence
    from reviewer.cases import services as cases
    from reviewer.cases.models import Patient
    from reviewer.cases.permissions import grant_patient
    from reviewer.core.models import User
    from reviewer.core.storage import atomic_import
    from reviewer.viewer.preparation import prepare_patients
    from segmentation import inference
    from segmentation.models import ModelVersion

    affine = np.diag([-1.0, -1.0, 1.0, 1.0])
    affine[:3, 3] = [120.0, 120.0, -77.0]
    patient = Patient.objects.create(pseudonym=pseudonym, disease="glioma")
    grant_patient(patient, User.objects.get(username=USERNAME))
    versions = {
        (kind, target): ModelVersion.objects.create(
            name=f"noisy-{kind}-{target}",
            version=pseudonym[-12:],
            kind=kind,
            target=target,
            sha256=f"{pseudonym}-{kind}-{target}".ljust(64, "0"),
        )
        for kind in ("node", "unet")
        for target in ("ET", "TC", "WT")
    }
    exams = []
    for order in range(3):
        exam = cases.add_exam(
            patient,
            date=datetime.date(2025, 1, 1) + datetime.timedelta(days=90 * order),
            source_name=f"noisy-exam-{order}",
        )
        with atomic_import() as files:
            for sequence in Sequence:
                cases.add_series(exam, sequence, volume_from_array(_brain(order), affine), files)
        exams.append(exam)
    prepare_patients([patient])  # as an import does
    rng = np.random.default_rng(SEED)
    lattice = _speck_lattice(rng, pitch)
    for order, exam in enumerate(exams):
        for family_seed, kind in enumerate(("node", "unet")):
            maps = _noisy_targets(rng, lattice, order, family_seed, components, boxes)
            for target, mask in maps.items():
                inference.store_model_segmentation(
                    exam, versions[kind, target], mask, affine, source_file=f"noisy {target}"
                )
        inference.announce_segmented(exam)  # composes, then the viewer prepares the exam
    return patient.pseudonym


def _brain(order: int) -> np.ndarray:
    """A bright ellipsoid of brain in a dark field, a little different per exam."""
    axes = np.ogrid[tuple(slice(0, n) for n in NOISY_SHAPE)]
    inside = sum(((a - n / 2) / (0.42 * n)) ** 2 for a, n in zip(axes, NOISY_SHAPE, strict=True))
    return np.where(inside <= 1, 600 + 10 * order, 0).astype(np.int16)


def _speck_lattice(rng, pitch: int) -> np.ndarray:
    """Lattice corners inside the brain and away from the tumour at its centre, shuffled."""
    axes = [np.arange(40, n - 40, pitch) for n in NOISY_SHAPE]
    corners = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    centre = np.array(NOISY_SHAPE) / 2
    corners = corners[np.linalg.norm(corners - centre, axis=1) > 30]
    return rng.permutation(corners)


def _noisy_targets(rng, lattice, order, family_seed, components, boxes) -> dict[str, np.ndarray]:
    """ET, TC and WT masks: a growing tumour at the centre (enhancing rim, necrotic core) and
    components - 1 boxes, half at the same corners in every exam, some of them core or
    enhancing in their own target's map."""
    axes = np.ogrid[tuple(slice(0, n) for n in NOISY_SHAPE)]
    radius = np.sqrt(sum((a - n / 2) ** 2 for a, n in zip(axes, NOISY_SHAPE, strict=True)))
    grow = 1 + 0.1 * order
    wt, tc = radius <= 18 * grow, radius <= 10 * grow
    et = tc & (radius >= 7 * grow)
    specks = components - 1
    own = lattice[family_seed::2]  # each family its own corners
    kept, others = own[: specks // 2], own[specks // 2 :]
    fresh = others[rng.choice(len(others), size=specks - len(kept), replace=False)]
    corners = np.concatenate([kept, fresh])
    sizes = rng.choice(len(boxes), size=len(corners), p=list(boxes.values()))
    boxes = list(boxes)
    roles = rng.random(len(corners))
    for corner, size, role in zip(corners.tolist(), sizes.tolist(), roles.tolist(), strict=True):
        box = tuple(slice(c, c + n) for c, n in zip(corner, boxes[size], strict=True))
        wt[box] = True
        if role < 0.10:
            tc[box] = True
        if role < 0.04:
            et[box] = True
    return {"ET": et, "TC": tc, "WT": wt}


def measure_manifest(pseudonym: str, repeats: int = MANIFEST_REPEATS) -> dict:
    """Server time of the manifest request, in-process, and what the manifest holds."""
    from django.test import Client

    from reviewer.core.models import User
    from segmentation.models import Lesion

    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    url = f"/api/cases/{pseudonym}/viewer/"
    response = client.get(url)  # warm-up: connections, imports
    if response.status_code != 200:
        raise RuntimeError(f"the manifest of {pseudonym} answered {response.status_code}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    manifest = response.json()
    shown = [s for exam in manifest["exams"] for s in exam["segmentations"]]
    return {
        "manifest_ms_median": round(1000 * float(np.median(times)), 1),
        "manifest_ms_max": round(1000 * max(times), 1),
        "repeats": repeats,
        "manifest_bytes": len(response.content),
        "segmentations": len(shown),
        "composites": sum(s["source"] == "composite" for s in shown),
        "components_per_composite": sorted(
            {
                s["lesion_count"] + s["below_minimum_count"]
                for s in shown
                if s["source"] == "composite"
            }
        ),
        "lesions_listed": sum(len(s["lesions"]) for s in shown),
        "components_below_minimum": sum(s["below_minimum_count"] for s in shown),
        "components_stored": Lesion.objects.filter(
            segmentation__exam__patient__pseudonym=pseudonym
        ).count(),
        "target_manifest_ms": TARGETS_S["manifest"] * 1000,
        "meets_target": float(np.median(times)) < TARGETS_S["manifest"],
    }


class Daphne:
    def __init__(self, var: Path):
        from django.conf import settings

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (var / "daphne.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["neuroreview.asgi:application"],
            cwd=settings.BASE_DIR,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError("daphne did not answer within 60 s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _log_in(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/worklist/")


RESOURCE_BYTES = """() => {
  const entries = [...performance.getEntriesByType('navigation'),
                   ...performance.getEntriesByType('resource')];
  const sum = (key) => entries.reduce((total, e) => total + (e[key] || 0), 0);
  const voxels = entries.filter(e => e.name.includes('/voxels/'));
  return {transfer: sum('transferSize'), encoded: sum('encodedBodySize'),
          decoded: sum('decodedBodySize'), requests: entries.length,
          voxel_requests: voxels.length,
          voxel_transfer: voxels.reduce((t, e) => t + e.transferSize, 0)};
}"""

ALL_RENDERED = """() => window.__neuroreview && window.__neuroreview.allPanelsAt !== undefined
  && [...document.querySelectorAll('.viewer-panel')].every(p => p.dataset.rendered === 'true')"""


def _open_viewer(page, pseudonym: str) -> dict:
    started = time.perf_counter()
    page.goto(f"/cases/{pseudonym}/viewer/")
    page.wait_for_function(ALL_RENDERED, timeout=120_000)
    wall = time.perf_counter() - started
    hooks = page.evaluate("window.__neuroreview")
    sent = page.evaluate(RESOURCE_BYTES)
    if hooks.get("errors"):
        raise RuntimeError(f"the viewer reported errors: {hooks['errors']}")
    return {
        "manifest_s": round(hooks["manifestAt"] / 1000, 3),
        "first_image_s": round(hooks["firstImageAt"] / 1000, 3),
        "all_panels_s": round(hooks["allPanelsAt"] / 1000, 3),
        "wall_to_all_panels_s": round(wall, 3),
        "panels": page.locator(".viewer-panel").count(),
        "bytes_transferred": sent["transfer"],
        "bytes_encoded_bodies": sent["encoded"],
        "bytes_decoded_bodies": sent["decoded"],
        "voxel_bytes_transferred": sent["voxel_transfer"],
        "requests": sent["requests"],
        "voxel_requests": sent["voxel_requests"],
    }


def _flow(page, segmentation: int) -> dict:
    """Jump to the largest lesion, then click the Flow button: until the first frame is drawn."""
    page.click("#lesion-panel tr[data-lesion-id]")
    page.wait_for_timeout(400)  # let the jump settle; the flow is asked for at the new slice
    started = page.evaluate(
        """(id) => { const start = performance.now();
                     document.querySelector(`button[data-flow-segmentation='${id}']`).click();
                     return start; }""",
        segmentation,
    )
    page.wait_for_function(
        "() => document.querySelector('#flow-player')?.dataset.state === 'ready'"
        " && window.__neuroreview.flowReadyAt !== undefined",
        timeout=300_000,
    )
    ready = page.evaluate("window.__neuroreview.flowReadyAt")
    return {
        "flow_playable_s": round((ready - started) / 1000, 3),
        "stages": int(page.locator("#flow-stage").get_attribute("max")) + 1,
        "slice": page.locator(".viewer-panel[data-role=current]").get_attribute("data-slice"),
    }


def run(resolution: int, keep: bool, only: str | None) -> None:
    var = Path(tempfile.mkdtemp(prefix="neuroreview-bench-"))
    try:
        _setup_django(var)
        add_reader()
        if only in (None, "viewer"):
            built = time.perf_counter()
            case = build_case(var, resolution)
            build_s = round(time.perf_counter() - built, 1)
            server = Daphne(var)
            try:
                _measure(server.url, case, resolution, build_s)
            finally:
                server.stop()
            emit("manifest", "browser_case", measure_manifest(case["pseudonym"]))
        if only in (None, "manifest"):
            built = time.perf_counter()
            pseudonym = build_noisy_case()
            build_s = round(time.perf_counter() - built, 1)
            figures = measure_manifest(pseudonym)
            emit("manifest", f"{NOISY_COMPONENTS}_components", {**figures, "build_s": build_s})
            built = time.perf_counter()
            pseudonym = build_noisy_case(
                LISTED_LESIONS + 1, LESION_BOXES, LESION_PITCH, "NR-BENCH-LESIONS"
            )
            build_s = round(time.perf_counter() - built, 1)
            figures = measure_manifest(pseudonym)
            emit("manifest", f"{LISTED_LESIONS}_lesions", {**figures, "build_s": build_s})
    finally:
        if keep:
            print(f"kept {var}", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)


def emit(kind: str, label: str, figures: dict) -> None:
    """One JSON line naming the machine and the database it was measured on."""
    from django.db import connection

    line = {
        "bench": kind,
        "case": label,
        **figures,
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "database": connection.vendor,
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(line), flush=True)


def _measure(url: str, case: dict, resolution: int, build_s: float) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        machine = {"browser": f"Chromium {browser.version} (headless, {CHROMIUM})"}
        case_line = {
            "resolution_mm": resolution,
            "exams": case["exams"],
            "series": case["series"],
            "shape": case["shape"],
            "build_s": build_s,
        }

        def emit_browser(kind: str, label: str, figures: dict) -> None:
            emit(kind, label, {**figures, **case_line, **machine})

        def viewer_line(figures: dict) -> dict:
            return {
                **figures,
                "target_first_image_s": TARGETS_S["first_image"],
                "target_all_panels_s": TARGETS_S["all_panels"],
                "meets_targets": figures["first_image_s"] < TARGETS_S["first_image"]
                and figures["all_panels_s"] < TARGETS_S["all_panels"],
            }

        def flow_line(figures: dict) -> dict:
            return {
                **figures,
                "target_flow_playable_s": TARGETS_S["flow_playable"],
                "meets_target": figures["flow_playable_s"] < TARGETS_S["flow_playable"],
            }

        viewport = {"width": 1920, "height": 1080}
        first = browser.new_context(viewport=viewport, base_url=url)
        page = first.new_page()
        _log_in(page)
        emit_browser("viewer", "server_cold", viewer_line(_open_viewer(page, case["pseudonym"])))
        emit_browser("flow", "server_cold", flow_line(_flow(page, case["node_segmentation"])))
        first.close()

        fresh = browser.new_context(viewport=viewport, base_url=url)
        page = fresh.new_page()
        _log_in(page)
        emit_browser("viewer", "browser_cold", viewer_line(_open_viewer(page, case["pseudonym"])))
        emit_browser("viewer", "browser_warm", viewer_line(_open_viewer(page, case["pseudonym"])))
        emit_browser("flow", "cached", flow_line(_flow(page, case["node_segmentation"])))
        fresh.close()
        browser.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolution", type=int, choices=(1, 2), default=1, help="mm")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir")
    parser.add_argument(
        "--only",
        choices=("viewer", "manifest"),
        help="viewer: the browser case (and its manifest); manifest: the noisy case alone",
    )
    args = parser.parse_args(argv)
    if args.only != "manifest" and not CHROMIUM.exists():
        sys.exit(f"the viewer benchmark needs Debian's Chromium at {CHROMIUM}")
    run(args.resolution, args.keep, args.only)


if __name__ == "__main__":
    main()
