"""Benchmark of the flow engine of [1]: the own RK4 against torchdyn [2] on the same weights.

``python -m segmentation.research.bench`` prints one JSON line per case: the flow of one 240×240
slice and of a whole 240×240×155 exam with the ``small`` preset, and one slice with the ``paper``
preset (with CUDA also a whole exam with the ``paper`` preset). Each (case, engine) runs in a
fresh process, so its peak memory is its own: on the CPU the ``resource`` ``ru_maxrss`` of that
process, less the value just before the flow started (model, input and a warm-up already loaded);
on CUDA ``torch.cuda.max_memory_allocated``.

The engines compute the same things on the same weights, with the same memory layout, U-Net
merges and heap settings (:func:`segmentation.engine.flow.prepare_for_inference`): "own" streams
with :func:`segmentation.engine.flow.slice_flow` (op by op, as the flow player) and
:func:`segmentation.engine.flow.exam_contributions` (on the CPU with compiled stages, as the exam
ACC job: :mod:`segmentation.engine.fused_stage`); "torchdyn" integrates with torchdyn's stock
``"rk4"`` into the whole trajectory (stages, B, 4, H, W), then takes eqs. (4)–(6) stage by
stage. On a CPU the exam case also runs "torchdyn-compiled": torchdyn on the same compiled,
frozen vector field, the part of the own engine's gain that torchdyn's user can have too
(``ratio_own_to_torchdyn_compiled``). Every engine first runs one stage at every batch shape of
the case (``*_warm_up_s``: compilation included), then is timed. Times are wall-clock (``*_s``,
their ratio) and process CPU time (``*_cpu_s``, steadier where other work shares the cores);
with ``--repeats`` the engines take turns going first and each keeps its fastest run.
``acc_max_abs_diff`` compares the own and torchdyn's ACC curves: they differ because torchdyn's
stock RK4 puts the stages of a time-aware field at the wrong t
(:mod:`segmentation.engine.torchdyn_solver`). On a 2-core CPU an exam at 101 stages takes tens
of minutes per engine, so by default the exam (and, without CUDA, the paper-preset slice) runs
on fewer stages, flagged by ``stages_reduced_from``; ``--full`` runs every case at 101 stages.

The ``player`` case times what the viewer's flow player waits for: a request until its frames
are encoded on disk (:func:`segmentation.flow_frames.render`), for one 197×233 slice of a
synthetic 1 mm exam with the bundled NODE WT (``weights/node-wt-small``), at 26 and 51 stages,
each in a fresh process: ``cache`` "none" (nothing read yet: series, limits, model), "exam"
(another slice of the exam just read: what every slice after the first costs) and "frames"
(the same request again).

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
[2] Poli M., Massaroli S., et al. "TorchDyn: implicit models and neural numerical methods in
    PyTorch." 2021; torchdyn 1.0.6.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from segmentation.engine import artifacts, predict
from segmentation.engine.flow import (
    ExamContributions,
    acc_counts,
    bcf,
    exam_contributions,
    prepare_for_inference,
    segmentation_frame,
    slice_flow,
)
from segmentation.engine.fused_stage import frozen
from segmentation.engine.node import build_node, torchdyn_node, weights_hash

STAGES = 101
SEED = 20261125
PLAYER_STAGES = (26, 51)
PLAYER_MODEL = artifacts.BUNDLED / "node-wt-small"


def _cases(full: bool, exam_stages: int, cuda: bool) -> list[dict]:
    paper_stages = STAGES if full or cuda else 3
    exam_stages = STAGES if full else exam_stages
    cases = [
        {"case": "slice", "preset": "small", "shape": [1, 4, 240, 240], "stages": STAGES},
        {"case": "exam", "preset": "small", "shape": [155, 4, 240, 240], "stages": exam_stages},
        {"case": "slice", "preset": "paper", "shape": [1, 4, 240, 240], "stages": paper_stages},
    ]
    if cuda:  # 5 PFLOP per engine: seconds on a GPU, days on a 2-core CPU
        cases.append(
            {"case": "exam", "preset": "paper", "shape": [155, 4, 240, 240], "stages": STAGES}
        )
    return cases


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} CPUs)"
    return platform.processor() or "cpu"


def _channels_last(model) -> bool:
    weight = model.vector_field.unet.down[0][0].weight
    return weight.is_contiguous(memory_format=torch.channels_last)


def _torchdyn_counts(model, x0: torch.Tensor, stages: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The torchdyn way: the whole trajectory first, then eqs. (4)–(6) stage by stage."""
    trajectory = torchdyn_node(model, stages - 1, sensitivity="autograd", solver="rk4")(x0)
    w = model.weights
    gamma = segmentation_frame(trajectory[-1], w) > 0.5
    counts = [acc_counts(bcf(I_t, w), gamma) for I_t in trajectory]
    intersection, union = (torch.stack(c).transpose(0, 1) for c in zip(*counts, strict=True))
    return intersection, union


def _run_torchdyn(model, volume: torch.Tensor, stages: int, batch_size: int) -> np.ndarray:
    intersections, unions = [], []
    for start in range(0, volume.shape[0], batch_size):
        intersection, union = _torchdyn_counts(model, volume[start : start + batch_size], stages)
        intersections.append(intersection.cpu())
        unions.append(union.cpu())
    contributions = ExamContributions(
        t=np.linspace(0.0, 1.0, stages),
        intersection=torch.cat(intersections).numpy(),
        union=torch.cat(unions).numpy(),
    )
    return contributions.acc


def _run_torchdyn_compiled(model, volume: torch.Tensor, stages: int, batch_size: int):
    """torchdyn given the trick of the own engine that it can take: the same compiled, frozen
    vector field (:mod:`segmentation.engine.fused_stage`), without the fused stage around it."""
    field = _COMPILED_FIELDS.get(model)
    if field is None:
        field = _Field(frozen(model.vector_field))
        _COMPILED_FIELDS[model] = field
    compiled = SimpleNamespace(vector_field=field, weights=model.weights)
    return _run_torchdyn(compiled, volume, stages, batch_size)


class _Field(torch.nn.Module):
    """A compiled field with the ``forward(t, x)`` signature torchdyn reads to call it with t."""

    def __init__(self, compiled):
        super().__init__()
        self.compiled = compiled

    def forward(self, t, x, args=None):
        return self.compiled(t, x)


_COMPILED_FIELDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _run_own(model, volume: torch.Tensor, stages: int, batch_size: int) -> np.ndarray:
    """The slice as the flow player computes it (op by op); an exam as the ACC curves' job
    does, with compiled stages on the CPU."""
    if volume.shape[0] == 1:
        return slice_flow(model, volume[0], stages).mu
    return exam_contributions(model, volume, stages, batch_size, compiled=True).acc


ENGINES = {"own": _run_own, "torchdyn": _run_torchdyn, "torchdyn-compiled": _run_torchdyn_compiled}


def _measure(spec: dict) -> dict:
    """Run one (case, engine) in this process and return its numbers; writes the ACC to a file."""
    torch.set_num_threads(spec["threads"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(SEED)
    model = build_node(spec["preset"]).to(device).eval()
    prepare_for_inference(
        model
    )  # channels-last on the CPU, for both engines: same weights, same layout
    volume = torch.rand(spec["shape"], generator=torch.Generator().manual_seed(SEED)).to(device)
    run = ENGINES[spec["engine"]]
    with torch.inference_mode():
        warm_up_started = time.perf_counter()
        _warm_up(run, model, volume, spec["batch_size"])
        warm_up_seconds = time.perf_counter() - warm_up_started
        if device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu_started = time.perf_counter(), time.process_time()
        mu = run(model, volume, spec["stages"], spec["batch_size"])
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(spec["acc_path"], mu)
    if device.type == "cuda":
        peak_mb, measure = torch.cuda.max_memory_allocated() / 2**20, "cuda max_memory_allocated"
    else:
        peak_mb, measure = (rss_after - rss_before) / 1024, "ru_maxrss delta (fresh process)"
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "warm_up_seconds": warm_up_seconds,
        "peak_mb": peak_mb,
        "peak_rss_mb": rss_after / 1024,
        "memory_measure": measure,
        "device": _device_name(device),
        "memory_format": "channels_last" if _channels_last(model) else "contiguous",
        "weights_sha256": weights_hash(model)[:16],
    }


def _warm_up(run, model, volume: torch.Tensor, batch_size: int) -> None:
    """Kernels, allocator, imports and compiled graphs, before the clock starts: one stage at
    every batch shape the timed run meets (a compiled stage compiles per shape). On CUDA with
    cuDNN's benchmark mode, which picks its kernels on a shape's first use."""
    if volume.device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    slices = volume.shape[0]
    for size in {min(batch_size, slices - start) for start in range(0, slices, batch_size)}:
        run(model, volume[:size], 2, size)


def _measure_player(spec: dict) -> list[dict]:
    """The player case (module docstring) in this process, on services of its own: a temporary
    var and media folder, SQLite and a file cache there, so "none" is cold and nothing is shared."""
    folder = Path(spec["folder"])
    os.environ["NEUROREVIEW_VAR_DIR"] = str(folder / "var")
    os.environ["NEUROREVIEW_MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "neuroreview.settings"
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django  # the engine cases need no Django; the player's path is the Django service

    django.setup()
    from segmentation import flow_frames

    torch.set_num_threads(spec["threads"])
    plan_of, k, slice_shape = _player_exam(spec["stages"])
    lines = []
    for cache, slice_index in (("none", k), ("exam", k + 1), ("frames", k + 1)):
        plan = plan_of(slice_index)
        started, cpu_started = time.perf_counter(), time.process_time()
        flow_frames.render(plan)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        lines.append(
            {
                "case": "player",
                "preset": "small",
                "model": PLAYER_MODEL.name,
                "slice_shape": slice_shape,
                "stages": spec["stages"],
                "cache": cache,
                "ready_s": round(seconds, 3),
                "ready_cpu_s": round(cpu_seconds, 3),
                "frames_bytes_gzip": plan.path.stat().st_size,
                "device": _device_name(predict.choose_device()),
                "threads": spec["threads"],
                "load_avg_1min": round(os.getloadavg()[0], 2),
            }
        )
    return lines


def _player_exam(stages: int):
    """A synthetic 1 mm glioma exam and the bundled NODE in storage: (plan of slice k, the
    slice through the tumour's centre, the slice's shape)."""
    import gzip
    import hashlib

    import nibabel as nib
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from imaging.labels import LABELS, LabelScheme
    from imaging.synthetic import lesions
    from imaging.synthetic.anatomy import load_anatomy
    from imaging.synthetic.contrasts import render_exam
    from segmentation.engine.artifacts import read_artifact
    from segmentation.engine.flow import FlowKey
    from segmentation.flow_frames import AXIAL, FlowPlan, Reference

    rng = np.random.default_rng(SEED)
    anatomy = load_anatomy(1)
    labels = lesions.glioma_labels(anatomy, lesions.plan_glioma(anatomy, rng, "stable", 1), 0)
    images = render_exam(anatomy, labels, LABELS[LabelScheme.BRATS2020], rng)

    def store(data: bytes, name: str) -> tuple[str, str]:
        sha256 = hashlib.sha256(data).hexdigest()
        return default_storage.save(f"bench/{name}", ContentFile(data)), sha256

    def nifti(array: np.ndarray) -> bytes:
        return gzip.compress(nib.Nifti1Image(array, anatomy.affine).to_bytes())

    artifact = read_artifact(PLAYER_MODEL)
    sequences = tuple(artifact.card["sequences"])
    weights, _ = store(artifact.weights_path.read_bytes(), "weights.pt")
    series = [store(nifti(images[s]), f"{s}.nii.gz") for s in sequences]
    reference = Reference(*store(nifti(labels), "seg.nii.gz"), LabelScheme.BRATS2020.value)

    def plan_of(slice_index: int) -> FlowPlan:
        hashes = tuple(sha for _, sha in series)
        return FlowPlan(
            segmentation=1,
            key=FlowKey(artifact.sha256, hashes, slice_index, AXIAL, stages),
            model_kind=artifact.card["kind"],
            model_config=artifact.card["config"],
            weights_file=weights,
            sequences=sequences,
            series_files=tuple(name for name, _ in series),
            target=artifact.card["target"],
            reference=reference,
        )

    k = int(np.argmax((labels > 0).sum(axis=(0, 1))))
    return plan_of, k, list(labels.shape[:2])


def _spawn(spec: dict, flag: str = "--measure"):
    completed = subprocess.run(
        [sys.executable, "-m", "segmentation.research.bench", flag, json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if completed.returncode:
        sys.stderr.write(completed.stderr)  # the child's traceback, or the error says nothing
        completed.check_returncode()
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _compiled(case: dict) -> bool:
    """Whether the own engine runs the case with compiled stages (:func:`_run_own`)."""
    return case["case"] == "exam" and not torch.cuda.is_available()


def _engines(case: dict) -> list[str]:
    """The engines a case compares; with compiled stages also torchdyn on the compiled field."""
    return ["own", "torchdyn", *(["torchdyn-compiled"] if _compiled(case) else [])]


def _compare(case: dict, args: argparse.Namespace, folder: Path) -> dict:
    """Rotate the engines ``args.repeats`` times; keep each one's fastest run, largest peak."""
    runs: dict[str, list[dict]] = {engine: [] for engine in _engines(case)}
    for repeat in range(args.repeats):
        order = list(runs)
        for engine in order[repeat % len(order) :] + order[: repeat % len(order)]:
            spec = {**case, "engine": engine, "threads": args.threads}
            spec |= {"batch_size": args.batch_size, "acc_path": str(folder / f"{engine}.npy")}
            runs[engine].append(_spawn(spec))
    best = {engine: min(done, key=lambda run: run["seconds"]) for engine, done in runs.items()}
    peak = {engine: max(run["peak_mb"] for run in done) for engine, done in runs.items()}
    own, dyn = best["own"], best["torchdyn"]
    own_acc, torchdyn_acc = (np.load(folder / f"{engine}.npy") for engine in ("own", "torchdyn"))
    line = {
        **case,
        "device": own["device"],
        "threads": args.threads,
        "batch_size": args.batch_size if case["case"] == "exam" else 1,
        "repeats": args.repeats,
        "own_stage": "compiled" if _compiled(case) else "op by op",
        "own_s": round(own["seconds"], 2),
        "torchdyn_s": round(dyn["seconds"], 2),
        "ratio_own_to_torchdyn": round(own["seconds"] / dyn["seconds"], 3),
        "own_cpu_s": round(own["cpu_seconds"], 2),
        "torchdyn_cpu_s": round(dyn["cpu_seconds"], 2),
        "own_warm_up_s": round(own["warm_up_seconds"], 2),
        "torchdyn_warm_up_s": round(dyn["warm_up_seconds"], 2),
        "own_peak_mb": round(peak["own"], 1),
        "torchdyn_peak_mb": round(peak["torchdyn"], 1),
        "own_peak_rss_mb": round(own["peak_rss_mb"], 1),
        "torchdyn_peak_rss_mb": round(dyn["peak_rss_mb"], 1),
        "memory_measure": own["memory_measure"],
        "memory_format": own["memory_format"],
        "acc_max_abs_diff": float(np.nanmax(np.abs(own_acc - torchdyn_acc))),
        "same_weights": own["weights_sha256"] == dyn["weights_sha256"],
        "torchdyn_solver": "rk4 (stock)",
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    if "torchdyn-compiled" in best:  # the ratio left once torchdyn takes the same field
        compiled = best["torchdyn-compiled"]
        line["torchdyn_compiled_s"] = round(compiled["seconds"], 2)
        line["ratio_own_to_torchdyn_compiled"] = round(own["seconds"] / compiled["seconds"], 3)
        line["torchdyn_compiled_warm_up_s"] = round(compiled["warm_up_seconds"], 2)
    if case["stages"] != STAGES:
        line["stages_reduced_from"] = STAGES
    return line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="every case at 101 stages")
    parser.add_argument("--exam-stages", type=int, default=6, help="exam stages unless --full")
    # One core left to the rest of the machine: on 2 shared cores, 2 OpenMP threads ran 3× slower
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--batch-size", type=int, default=16, help="slices per exam batch")
    parser.add_argument("--repeats", type=int, default=1, help="runs per engine, alternating")
    parser.add_argument("--case", action="append", help="only these cases: slice-small, …")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-player", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_measure(json.loads(args.measure))))
        return
    if args.measure_player:
        print(json.dumps(_measure_player(json.loads(args.measure_player))))
        return
    for case in _cases(args.full, args.exam_stages, torch.cuda.is_available()):
        if args.case and f"{case['case']}-{case['preset']}" not in args.case:
            continue
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(_compare(case, args, Path(folder))), flush=True)
    if args.case and "player-small" not in args.case:
        return
    for stages in PLAYER_STAGES:
        with tempfile.TemporaryDirectory() as folder:
            spec = {"stages": stages, "threads": args.threads, "folder": folder}
            for line in _spawn(spec, flag="--measure-player"):
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
