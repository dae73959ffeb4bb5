"""``manage.py key_modalities``: the key-sequence analysis and U-Net comparison of [1] Table I
on a BraTS folder (:mod:`segmentation.research.key_modalities`), printed as text and, with
``--json``, as one JSON object on the last line.

[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation." Medical
    Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

import hashlib
import json
from pathlib import Path

import torch
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from segmentation.engine.nets import PRESETS
from segmentation.research.key_modalities import TAU, Settings, analyse
from segmentation.research.key_modalities_report import render
from segmentation.research.unet_comparison import Training

DEFAULTS = Training()


class Command(BaseCommand):
    help = (
        "Train a NODE per target (ET, TC, WT), pick the key sequences from its mean ACC at t = 1 "
        "on the test patients, then compare U-Nets on all four, the key and the complementary "
        "sequences by k-fold cross-validation by patient (Table I of the NODE paper). Rerunning "
        "with the same --out resumes from the models' checkpoints."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path, help="a BraTS folder")
        parser.add_argument("--folds", type=int, default=10, help="k; k ≥ 6 for any p < 0.05")
        parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs, help="U-Net epochs")
        parser.add_argument("--node-epochs", type=int, default=DEFAULTS.node_epochs)
        parser.add_argument("--seed", type=int, default=0, help="split, folds, init and crops")
        parser.add_argument("--tau", type=float, default=TAU, help="key rule: μ_1 ≥ τ")
        parser.add_argument("--preset", default=DEFAULTS.preset, choices=sorted(PRESETS))
        parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="NODE RK4 steps")
        parser.add_argument(
            "--stages", type=int, default=Settings.stages, help="ACC grid; 101: Δt = 0.01"
        )
        parser.add_argument("--crop", type=int, default=DEFAULTS.crop, help="0: whole slices")
        parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
        parser.add_argument(
            "--key",
            action="append",
            default=[],
            metavar="TARGET=SEQ[,SEQ]",
            help="compare U-Nets on these key sequences instead of the rule's (repeatable), "
            "e.g. the paper's ET=T1CE TC=T1CE WT=FLAIR,T2",
        )
        parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
        parser.add_argument("--out", type=Path, help="models and report (default under var/)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["threads"]:
            torch.set_num_threads(options["threads"])
        try:
            analysis = Settings(
                training=Training(
                    preset=options["preset"],
                    epochs=options["epochs"],
                    node_epochs=options["node_epochs"],
                    steps=options["steps"],
                    seed=options["seed"],
                    batch_size=options["batch_size"],
                    crop=options["crop"] or None,
                ),
                folds=options["folds"],
                tau=options["tau"],
                stages=options["stages"],
                given_key=_given_key(options["key"]),
            )
            out = options["out"] or _default_out(options["data"], analysis)
            report = analyse(options["data"], analysis, out, progress=not options["no_progress"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render(report))
        self.stdout.write(f"Report and models in {report['out']} ({report['seconds']} s).")
        if options["json"]:
            self.stdout.write(json.dumps(report, separators=(",", ":")))


def _given_key(values: list[str]) -> dict[str, list[str]]:
    given = {}
    for value in values:
        target, _, sequences = value.partition("=")
        if not sequences:
            raise CommandError(f"--key {value!r}: write TARGET=SEQ[,SEQ], e.g. WT=FLAIR,T2")
        given[target.strip().upper()] = [s.strip().upper() for s in sequences.split(",")]
    return given


def _default_out(data: Path, analysis: Settings) -> Path:
    """One folder per data folder and settings, so that the same command resumes its models."""
    key = json.dumps([str(data.resolve()), analysis.as_json()], sort_keys=True)
    return Path(settings.VAR_DIR) / "key-modalities" / hashlib.sha256(key.encode()).hexdigest()[:12]
