"""The key-modality analysis of [1] (its ACC identification and Table I) as close to the paper's
settings as a time budget on one device allows, for a lent GPU (``gpu/run.sh``).

The paper's settings: 100 RK4 steps (101 stages, Δt = 0.01), whole slices, the standard U-Net
(64…1024, the ``paper`` preset), 10 folds. The ACC is taken at 101 stages and every model sees
whole slices; :mod:`segmentation.research.time_budget` measures the costs on the device and
sizes the rest: the NODEs' training grid and epochs, then the U-Nets' folds and epochs. What
had to give is written in the output, beside the card, the plan and the timings.

    python -m segmentation.research.paper_scale cohort --out DIR
    python -m segmentation.research.paper_scale analyse --data DIR/brats --out OUT --budget-s N

``cohort`` builds the synthetic cohort (BraTS folder only). ``analyse`` writes to OUT after each
target's NODE and each target's U-Nets, so a run stopped at its limit leaves what it did:
``key_modalities.json`` (the report of :mod:`segmentation.research.key_modalities` plus ``run``:
card, plan, costs, timings), ``acc_curves.json`` (mean ± SD μ_t per target and sequence) and
``table1.md`` (all of it as the paper shows it). Without CUDA it runs on the CPU (``--tiny``: the
small preset on 2 stages, one epoch, for checking the script).

The NODEs come first: they train in small batches (:data:`time_budget.NODE_BATCH`) for at least
:data:`time_budget.MIN_NODE_UPDATES` Adam updates, taking time from the U-Nets' share when theirs
is too short, since U-Nets compared on the key sequences of NODEs that segment nothing answer
nothing. A target whose NODE segments nothing on the test images gets no ACC and no U-Nets; the
output says so. If the ACC rule names no key sequence for a target whose NODE segments, its
U-Nets compare the paper's key sequences (T1CE for ET and TC, FLAIR + T2 for WT), marked "given".

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from segmentation.engine import data
from segmentation.engine.targets import Target, target_mask
from segmentation.research import time_budget
from segmentation.research.key_modalities import (
    ACC_CURVES,
    REPORT,
    SEQUENCES,
    Settings,
    build_report,
    configurations,
    identify,
)
from segmentation.research.key_modalities_report import render
from segmentation.research.unet_comparison import Training, compare, load_cohort, patient_folds

TABLE = "table1.md"
PAPER_KEY = {"ET": ["T1CE"], "TC": ["T1CE"], "WT": ["FLAIR", "T2"]}  # [1] l.489–517
PAPER = {"preset": "paper", "stages": 101, "crop": None, "batch_size": 16, "inference_batch": 64}
PAPER |= {"node_batch": time_budget.NODE_BATCH, "min_node_updates": time_budget.MIN_NODE_UPDATES}
# The CPU check: training on 32-pixel crops, or a 2-core CPU needs minutes per epoch
TINY = {"preset": "small", "stages": 2, "crop": 32, "batch_size": 8, "inference_batch": 16}
TINY |= {"max_epochs": 1, "node_batch": 8, "min_node_updates": 0}
SAFETY = 0.85  # of the time left, what a plan may fill: measured costs drift a little
FIGURE_STAGES = (0.0, 0.1, 0.3, 0.5, 0.8, 1.0)  # [1] Fig. 4–6 rows, and the slope's 0.1
COHORT = {"patients": 16, "seed": 20261125, "resolution": 2}


def build(out: Path, patients: int, seed: int, resolution: int) -> None:
    from imaging.synthetic import build_cohort  # nilearn: only the cohort needs it

    started = time.monotonic()
    cohort = build_cohort(
        out, patients=patients, seed=seed, resolution=resolution, formats=("brats",)
    )
    print(
        f"cohort: {len(cohort['patients'])} patients at {resolution} mm in "
        f"{time.monotonic() - started:.0f} s → {out / 'brats'}",
        flush=True,
    )


class Analysis:
    """One timed run: the cohort and its split, the measured costs, the plans, the results so far,
    and their files, rewritten after every target's NODE and every target's U-Nets."""

    def __init__(self, args: argparse.Namespace, device: torch.device):
        self.started = time.monotonic()
        self.deadline = self.started + args.budget_s
        self.args, self.device = args, device
        self.preset = TINY if args.tiny else PAPER
        self.node_batch = args.node_batch or self.preset["node_batch"]
        self.min_node_updates = (
            self.preset["min_node_updates"]
            if args.min_node_updates is None
            else args.min_node_updates
        )
        args.out.mkdir(parents=True, exist_ok=True)
        self.info = {
            "device": _device_name(device),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "budget_s": args.budget_s,
            "timings_s": {},
            "plan": {"node": None, "unet": None},
        }
        self.cohort = self.timed("load cohort", lambda: load_cohort(args.data))
        self.training_patients, self.test_patients = data.split_patients(
            self.cohort.patients, args.seed
        )
        self.training_exams = self.cohort.exams_of(self.training_patients)
        self.test_exams = self.cohort.exams_of(self.test_patients)
        self.info["cohort"] = {
            "data": str(args.data),
            "slice_shape": list(self.cohort.exams[0].images.shape[-2:]),
            "training_slices": _slices(self.training_exams),
            "test_slices": _slices(self.test_exams),
        }
        self.costs = self.timed(
            "calibrate",
            lambda: time_budget.calibrate(
                self.training_exams,
                preset=self.preset["preset"],
                device=device,
                batch_size=self.preset["batch_size"],
                inference_batch=self.preset["inference_batch"],
                crop=self.preset["crop"],
                node_batch=self.node_batch,
            ),
        )
        self.info["costs_s_per_slice"] = self.costs.as_json()
        self.settings = Settings(stages=self.preset["stages"])
        self.folds: list[list[str]] = []
        self.identified, self.curves, self.table = {}, {}, {}

    def plan_nodes(self) -> time_budget.NodePlan:
        """The NODEs' plan within their share of the time, or, when that share cannot give
        them enough updates, within all of it (the U-Nets get what is left)."""

        def plan(share: float) -> time_budget.NodePlan:
            return time_budget.plan_node(
                self.costs,
                training_slices=_slices(self.training_exams),
                test_slices=_slices(self.test_exams),
                target_images=sum(_target_images(self.test_exams, t) for t in Target),
                analysis_steps=self.preset["stages"] - 1,
                budget_s=SAFETY * share * self.left(),
                batch_size=self.node_batch,
                min_epochs=self.args.min_epochs,
                min_updates=self.min_node_updates,
                max_epochs=self.preset.get("max_epochs"),
            )

        within_share = plan(self.args.node_share)
        if within_share.enough or self.args.node_share >= 1:
            return within_share
        self.info["node_share"] = "all of the time: its share gave too few updates"
        return plan(1.0)

    def identify_keys(self) -> None:
        """Plan, train and analyse the NODE of every target."""
        plan = self.plan_nodes()
        self.info["plan"]["node"] = plan.as_json()
        print(f"NODE plan: {plan}; costs {self.costs}", flush=True)
        if not plan.enough:
            self.info["node_plan_warning"] = (
                f"{plan.updates} Adam updates per NODE, fewer than the {self.min_node_updates} "
                "asked for: its γ may stay empty (give a longer budget)"
            )
            print(f"Warning: {self.info['node_plan_warning']}", flush=True)
        training = Training(
            preset=self.preset["preset"],
            node_epochs=plan.epochs,
            steps=plan.steps,
            seed=self.args.seed,
            batch_size=plan.batch_size,
            crop=self.preset["crop"],
            device=str(self.device),
            inference_batch_size=self.preset["inference_batch"],
            checkpoints=False,
        )
        self.settings = replace(self.settings, training=training)
        for target in Target:
            self.identified[target], self.curves[target] = self.timed(
                f"NODE {target}",
                lambda t=target: identify(
                    *(self.cohort, self.training_patients, self.test_patients, t),
                    *(self.settings, self.args.models),
                ),
            )
            self.write()

    def compare_unets(self) -> None:
        """Plan and run Table I's U-Nets on the key sequences the NODEs gave (or the paper's),
        for the targets whose NODE segments something; none when no NODE does."""
        targets = [t for t in Target if self.identified[t]["segments"]]
        failed = [t.value for t in Target if t not in targets]
        if failed:
            self.info["unet_targets_skipped"] = (
                f"{', '.join(failed)}: the NODE segments nothing on the test images"
            )
        if not targets:
            self.info["unet_skipped"] = (
                "no NODE segments anything on the test images, so no sequence was found key; "
                "the time went to the NODEs' failure report, not to U-Nets"
            )
            print(f"U-Nets skipped: {self.info['unet_skipped']}", flush=True)
            self.write()
            return
        given = {t.value: PAPER_KEY[t.value] for t in targets if not self.identified[t]["key"]}
        inputs = {t: configurations(given.get(t.value, self.identified[t]["key"])) for t in targets}
        distinct = sum(len({tuple(s) for s in c.values() if s}) for c in inputs.values())
        plan = time_budget.plan_unets(
            self.costs,
            training_slices=_slices(self.training_exams),
            configurations=distinct,
            training_patients=len(self.training_patients),
            budget_s=SAFETY * self.left(),
            min_epochs=self.args.min_epochs,
            max_epochs=self.preset.get("max_epochs"),
        )
        self.info["plan"]["unet"] = plan.as_json()
        print(f"U-Net plan: {plan}", flush=True)
        training = replace(
            self.settings.training, epochs=plan.epochs, batch_size=self.preset["batch_size"]
        )
        self.settings = replace(self.settings, training=training, folds=plan.folds, given_key=given)
        self.folds = patient_folds(self.training_patients, plan.folds, self.args.seed)
        if self.left() < plan.seconds / plan.folds:
            self.info["unet_skipped"] = "no time left for one fold of every target"
            print(f"U-Nets skipped: {self.info['unet_skipped']}", flush=True)
            self.write()
            return
        phase_start, phase = time.monotonic(), self.left()
        bar = tqdm(total=plan.folds * distinct, desc="U-Nets", mininterval=15, ascii=True)
        for number, target in enumerate(targets, start=1):
            deadline = phase_start + phase * number / len(targets)  # a share of the time each
            self.table[target.value] = self.timed(
                f"U-Nets {target}",
                lambda t=target, d=deadline: compare(
                    *(self.cohort, self.folds, t, inputs[t], self.settings.training),
                    *(self.args.models / "unet" / t.value.lower(), bar),
                    deadline=d,
                ),
            )
            self.write()
        bar.close()

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def timed(self, name: str, work):
        started = time.monotonic()
        print(f"[{self.elapsed():6.0f} s] {name} …", flush=True)
        result = work()
        self.info["timings_s"][name] = round(time.monotonic() - started, 1)
        print(f"[{self.elapsed():6.0f} s] {name}: {self.info['timings_s'][name]} s", flush=True)
        return result

    def write(self) -> None:
        split = (self.training_patients, self.test_patients, self.folds)
        report = build_report(self.cohort, self.settings, self.identified, self.table, split)
        self.info["elapsed_s"] = round(self.elapsed(), 1)
        out = self.args.out
        _replace(out / REPORT, json.dumps(report | {"run": self.info}, indent=2) + "\n")
        _replace(out / ACC_CURVES, json.dumps(self.curves) + "\n")
        _replace(out / TABLE, markdown(report, self.curves, self.info))


def analyse(args: argparse.Namespace) -> None:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # TF32 convolutions (PyTorch's default for cuDNN) and cuDNN's kernel heuristics: benchmark
    # mode would re-time every new batch shape, and folds and exams bring many.
    torch.backends.cudnn.benchmark = False
    analysis = Analysis(args, device)
    analysis.identify_keys()
    analysis.compare_unets()


def markdown(report: dict, curves: dict, info: dict) -> str:
    """The report as the paper shows it, headed by the card, the plan, what gave way and timings."""
    settings = report["settings"]
    plan = info.get("plan") or {}
    lines = [
        f"# Key sequences and Table I of paper 000 on {info['device']}",
        "",
        f"- torch {info['torch']} (CUDA {info['cuda']}), started {info['started_utc']}, "
        f"{info.get('elapsed_s', 0):.0f} s of a {info['budget_s']:.0f} s budget",
        f"- cohort: {json.dumps(info.get('cohort', {}))}",
        f"- measured costs (s per slice): {json.dumps(info.get('costs_s_per_slice', {}))}",
        f"- plan (predicted s): NODE {json.dumps(plan.get('node'))}; "
        f"U-Nets {json.dumps(plan.get('unet'))}",
        f"- timings (s): {json.dumps(info['timings_s'])}",
        *_node_training_lines(report),
        f"- settings: {json.dumps(settings)}",
        *(f"- differs from the paper: {d}" for d in _deviations(settings, info)),
    ]
    for key, label in (
        ("node_plan_warning", "NODE plan"),
        ("unet_targets_skipped", "U-Nets not trained for"),
        ("unet_skipped", "U-Nets skipped"),
    ):
        if key in info:
            lines.append(f"- {label}: {info[key]}")
    lines += ["", "```text", render(report), "```", "", *_acc_table(curves)]
    return "\n".join(lines) + "\n"


def _node_training_lines(report: dict) -> list[str]:
    """Per NODE: the mean loss per epoch, the batches clipped per epoch and γ on the training
    slices (an undertrained NODE is empty there too)."""
    lines = []
    for target, trained in report.get("node_training", {}).items():
        if trained.get("losses") is None:
            continue
        dice = (trained.get("train") or {}).get("dice")
        lines.append(
            f"- NODE {target}: loss per epoch {trained['losses']}, batches clipped per epoch "
            f"{trained.get('clipped_batches')}, Dice on the training slices "
            + ("n/a" if dice is None else f"{dice:.3f}")
        )
    return lines


def _deviations(settings: dict, info: dict) -> list[str]:
    found = ["a synthetic cohort (MNI152 anatomy, MR-physics contrasts), not BraTS 2020"]
    shape = info.get("cohort", {}).get("slice_shape")
    if shape and shape != [240, 240]:
        found.append(f"whole slices of {shape[0]}×{shape[1]} (the cohort's grid), not 240×240")
    if settings["crop"]:
        found.append(f"training on {settings['crop']}-pixel crops, not whole slices")
    if settings["preset"] != "paper":
        found.append(f"the {settings['preset']} U-Net preset, not the paper's 64…1024")
    if settings["stages"] != 101:
        found.append(f"ACC on {settings['stages']} stages, not 101")
    if settings["steps"] != settings["stages"] - 1:
        found.append(
            f"NODEs trained on {settings['steps']} RK4 steps (analysed on "
            f"{settings['stages'] - 1}; the agreement of the two γ is reported)"
        )
    node_plan = (info.get("plan") or {}).get("node") or {}
    if node_plan.get("batch_size"):
        found.append(
            f"NODEs trained in batches of {node_plan['batch_size']} slices, "
            f"{node_plan['updates']} Adam updates each (the paper states no batch size)"
        )
    epochs = f"NODE epochs: {settings['node_epochs']}"
    if (info.get("plan") or {}).get("unet") and "unet_skipped" not in info:
        epochs += f", U-Net epochs: {settings['epochs']}"
        if settings["folds"] != time_budget.PAPER_FOLDS:
            found.append(f"{settings['folds']} folds, not {time_budget.PAPER_FOLDS}")
    return [*found, f"{epochs}, as the budget allowed (the paper states none)"]


def _acc_table(curves: dict) -> list[str]:
    lines = ["## Mean ACC μ_t ± SD over the test images holding the target"]
    for target, curve in curves.items():
        if curve is None:
            lines += ["", f"{target}: no curve, its NODE segments nothing on the test images"]
            continue
        t = np.asarray(curve["t"])
        columns = sorted({int(np.argmin(np.abs(t - stage))) for stage in FIGURE_STAGES})
        lines += [
            "",
            f"| {target} | " + " | ".join(f"t = {t[i]:.2f}" for i in columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        for name in SEQUENCES:
            cells = [_cell(curve["mean"][name][i], curve["sd"][name][i]) for i in columns]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _cell(mean, sd) -> str:
    return "n/a" if mean is None or np.isnan(mean) else f"{mean:.3f} ± {sd:.3f}"


def _slices(exams: list[data.ExamSlices]) -> int:
    return sum(len(exam.labels) for exam in exams)


def _target_images(exams: list[data.ExamSlices], target: Target) -> int:
    return sum(
        int(target_mask(exam.labels, target, exam.scheme).any(axis=(1, 2)).sum()) for exam in exams
    )


def _device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def _replace(path: Path, text: str) -> None:
    """Write whole or not at all: a run killed at its limit keeps the previous version."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cohort = commands.add_parser("cohort", help="build the synthetic cohort (BraTS folder)")
    cohort.add_argument("--out", type=Path, required=True)
    for name, default in COHORT.items():
        cohort.add_argument(f"--{name}", type=int, default=default)
    run = commands.add_parser("analyse", help="the analysis within --budget-s")
    run.add_argument("--data", type=Path, required=True, help="a BraTS folder")
    run.add_argument("--out", type=Path, required=True, help="the report files")
    run.add_argument("--models", type=Path, required=True, help="model folders (not reported)")
    run.add_argument("--budget-s", type=float, required=True, help="seconds from start to end")
    run.add_argument("--seed", type=int, default=0, help="split, folds, init and batches")
    run.add_argument("--min-epochs", type=int, default=5, help="before steps or folds give way")
    run.add_argument("--node-share", type=float, default=0.6, help="of the time, for the NODEs")
    run.add_argument("--node-batch", type=int, help="slices per NODE update (default: preset's)")
    run.add_argument(
        "--min-node-updates", type=int, help="Adam updates per NODE before U-Nets get time"
    )
    run.add_argument("--tiny", action="store_true", help="small preset, 2 stages, 1 epoch, crops")
    args = parser.parse_args(argv)
    if args.command == "cohort":
        build(args.out, args.patients, args.seed, args.resolution)
        return
    analyse(args)


if __name__ == "__main__":
    main()
