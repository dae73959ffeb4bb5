"""How far the flow engine of [1] is from the card's compute bound.

A flow of S slices on ``stages`` stages is (stages − 1) classic RK4 steps of 4 evaluations of the
U-Net vector field each: 400 evaluations per slice at the paper's Δt = 0.01. Its bound is

    bound_s = S · 4 · (stages − 1) · F / R

with F the FLOPs of one evaluation on one slice (``torch.utils.flop_counter``: convolutions and
up-convolutions, 2 FLOPs per multiply–add) and R the card's dense matrix rate, measured here on
8192³ products. The flows run float32 tensors through cuDNN convolutions, which PyTorch lets use
TF32 by default (``torch.backends.cudnn.allow_tf32``), so R is the TF32 rate; the bf16 rate is
printed beside it, as is the vector field's own rate in TF32 and under bf16 autocast, which says
how much of the gap lies in the U-Net's convolutions rather than in the flow engine around them.

``python -m segmentation.research.compute_bound --bench FILE`` reads the JSON lines of
:mod:`segmentation.research.bench` and prints one JSON line per case and engine, after one line
with the rates.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

import argparse
import contextlib
import json
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from segmentation.engine.node import build_node
from segmentation.engine.rk4 import RK4

EVALUATIONS_PER_STEP = len(RK4.c)
MATMUL_DTYPES = ("tf32", "bf16", "fp32")
ENGINES = ("own", "torchdyn")


def field_flops(preset: str, height: int, width: int) -> int:
    """FLOPs of one evaluation of the NODE's vector field on one (4, height, width) slice."""
    field = build_node(preset).vector_field.to("meta")
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        field(0.5, torch.zeros(1, 4, height, width, device="meta"))
    return counter.get_total_flops()


def flow_flops(slices: int, stages: int, flops_per_evaluation: int) -> int:
    return slices * EVALUATIONS_PER_STEP * (stages - 1) * flops_per_evaluation


def matmul_rate(device: torch.device, dtype: str, n: int = 8192, repeats: int = 10) -> float:
    """The card's dense rate in FLOP/s: the best of ``repeats`` n³ products on random data."""
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    try:
        kind = torch.bfloat16 if dtype == "bf16" else torch.float32
        a, b = (torch.randn(n, n, device=device, dtype=kind) for _ in range(2))
        seconds = _best_seconds(lambda: a @ b, device, repeats)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    return 2 * n**3 / seconds


def field_rate(
    preset: str, batch: int, height: int, width: int, device, bf16: bool, repeats: int = 5
) -> float:
    """FLOP/s of the vector field alone: one evaluation of a batch, TF32 or bf16 autocast."""
    torch.backends.cudnn.benchmark = True
    field = build_node(preset).vector_field.to(device).eval()
    x = torch.rand(batch, 4, height, width, device=device)
    autocast = (
        torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    )
    with torch.inference_mode(), autocast:
        seconds = _best_seconds(lambda: field(0.5, x), device, repeats)
    return batch * field_flops(preset, height, width) / seconds


def _best_seconds(work, device: torch.device, repeats: int, warm_ups: int = 3) -> float:
    for _ in range(warm_ups):
        work()
    best = float("inf")
    for _ in range(repeats):
        _synchronize(device)
        started = time.perf_counter()
        work()
        _synchronize(device)
        best = min(best, time.perf_counter() - started)
    return best


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rates(device: torch.device, *, n: int, batch: int, preset: str = "paper") -> dict:
    """The card's matrix rates and the vector field's, in TFLOP/s."""
    line = {
        "case": "rates",
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "matmul_n": n,
        "field_preset": preset,
        "field_batch": batch,
        "field_slice": [240, 240],
    }
    for dtype in MATMUL_DTYPES:
        line[f"matmul_{dtype}_tflops"] = _tera(matmul_rate(device, dtype, n))
    for name, bf16 in (("tf32", False), ("bf16_autocast", True)):
        line[f"field_{name}_tflops"] = _tera(field_rate(preset, batch, 240, 240, device, bf16))
    return line


def against_bound(bench_line: dict, rate_tflops: float, rate_name: str) -> list[dict]:
    """One line per engine of a :mod:`~segmentation.research.bench` case: achieved TFLOP/s and
    the fraction of the bound at ``rate_tflops``."""
    slices, _, height, width = bench_line["shape"]
    per_evaluation = field_flops(bench_line["preset"], height, width)
    total = flow_flops(slices, bench_line["stages"], per_evaluation)
    bound_s = total / (rate_tflops * 1e12)
    lines = []
    for engine in ENGINES:
        seconds = bench_line[f"{engine}_s"]
        lines.append(
            {
                "case": "bound",
                "of": f"{bench_line['case']}-{bench_line['preset']}",
                "engine": engine,
                "slices": slices,
                "stages": bench_line["stages"],
                "evaluations_per_slice": EVALUATIONS_PER_STEP * (bench_line["stages"] - 1),
                "gflop_per_evaluation": round(per_evaluation / 1e9, 2),
                "tflop": _tera(total),
                "seconds": seconds,
                "achieved_tflops": _tera(total / seconds),
                "rate": rate_name,
                "rate_tflops": rate_tflops,
                "bound_s": round(bound_s, 3),
                "fraction_of_bound": round(bound_s / seconds, 3),
            }
        )
    return lines


def _tera(value: float) -> float:
    return float(f"{value / 1e12:.4g}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, help="JSON lines of segmentation.research.bench")
    parser.add_argument("--n", type=int, default=8192, help="side of the timed matrix products")
    parser.add_argument("--batch", type=int, default=32, help="slices per timed field evaluation")
    parser.add_argument("--preset", default="paper", help="the vector field to time")
    args = parser.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    measured = rates(device, n=args.n, batch=args.batch, preset=args.preset)
    print(json.dumps(measured), flush=True)
    if args.bench is None:
        return
    for text in args.bench.read_text().splitlines():
        line = json.loads(text)
        if "own_s" not in line:
            continue
        for rate in ("tf32", "bf16"):
            bound = against_bound(line, measured[f"matmul_{rate}_tflops"], f"matmul {rate}")
            for bound_line in bound:
                print(json.dumps(bound_line), flush=True)


if __name__ == "__main__":
    main()
