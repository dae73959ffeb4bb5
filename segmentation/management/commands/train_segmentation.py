"""``manage.py train_segmentation``: train one segmentation model, validate it on held-out
patients, write its artifact folder and register it as a model version."""

import shlex
from pathlib import Path

import torch
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from imaging.labels import LabelScheme
from imaging.sequences import CHANNEL_ORDER, Sequence
from segmentation.engine.data import SliceRule
from segmentation.engine.nets import PRESETS
from segmentation.engine.targets import Target
from segmentation.engine.training import Kind, train
from segmentation.services import register_model_version

GLIOMA_SCHEMES = (LabelScheme.BRATS2020.value, LabelScheme.BRATS2023.value)
# option -> its value in the recorded command line, in this order
RECORDED = (
    "target", "data", "preset", "epochs", "kind", "sequences", "out", "seed", "steps", "crop",
    "batch_size", "slice_rule", "validation_slices", "label_scheme",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Train a NODE (or a U-Net baseline) for ET, TC or WT on a BraTS folder, validate it on "
        "the held-out 20 % of the glioma patients, write weights.pt + model.json to --out and "
        "register the model version. Rerunning the same command resumes from --out/checkpoint.pt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--target", required=True, choices=[t.value for t in Target])
        parser.add_argument("--data", required=True, type=Path, help="a BraTS folder")
        parser.add_argument("--preset", default="small", choices=sorted(PRESETS))
        parser.add_argument("--epochs", required=True, type=int)
        parser.add_argument("--kind", default=Kind.NODE.value, choices=[k.value for k in Kind])
        parser.add_argument(
            "--sequences",
            default=",".join(s.value for s in CHANNEL_ORDER),
            help="input sequences of a U-Net, comma-separated (default all four)",
        )
        parser.add_argument("--out", type=Path, help="artifact folder (default under var/)")
        parser.add_argument("--seed", type=int, default=0, help="split, init, order and crops")
        parser.add_argument("--steps", type=int, default=8, help="RK4 steps on [0, 1] (NODE)")
        parser.add_argument("--crop", type=int, default=96, help="training window; 0: whole")
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument(
            "--threads",
            type=int,
            help="torch CPU threads (default torch's); identical weights need the same count",
        )
        parser.add_argument(
            "--slice-rule", default=SliceRule.WT.value, choices=[r.value for r in SliceRule]
        )
        parser.add_argument(
            "--validation-slices",
            default=SliceRule.BRAIN.value,
            choices=[r.value for r in SliceRule],
            help="slices of the held-out exams to segment (default every brain slice)",
        )
        parser.add_argument(
            "--label-scheme",
            default=LabelScheme.BRATS2020.value,
            choices=GLIOMA_SCHEMES,
            help="for label maps that neither exams.csv nor their values (3 or 4) settle",
        )
        parser.add_argument("--name", help="model name (default kind-target-preset)")
        parser.add_argument("--no-register", action="store_true")
        parser.add_argument("--no-resume", action="store_true", help="ignore a checkpoint")

    def handle(self, *args, **options):
        sequences = _sequences(options["sequences"])
        options["sequences"] = ",".join(sequences)
        options["data"] = options["data"].resolve()
        options["out"] = (options["out"] or _default_out(options)).resolve()
        command = shlex.join(["python", "manage.py", "train_segmentation", *_recorded(options)])
        if options["threads"] is not None:
            if options["threads"] < 1:
                raise CommandError(f"--threads must be at least 1, not {options['threads']}")
            torch.set_num_threads(options["threads"])
        try:
            artifact = train(
                kind=options["kind"],
                target=options["target"],
                data_dir=options["data"],
                preset=options["preset"],
                epochs=options["epochs"],
                out_dir=options["out"],
                sequences=sequences,
                steps=options["steps"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                crop=options["crop"] or None,
                slice_rule=options["slice_rule"],
                validation_slices=options["validation_slices"],
                default_scheme=options["label_scheme"],
                resume=not options["no_resume"],
                command=command,
                name=options["name"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        validation = artifact.card["validation"]
        self.stdout.write(
            f"{artifact.card['name']} {artifact.card['version']}: validation Dice "
            f"{validation['dice']:.3f} ± {validation['dice_sd']:.3f} over "
            f"{validation['cases']} exam(s) of {validation['patients']} held-out patient(s); "
            f"artifact in {artifact.folder} (sha256 {artifact.sha256})"
        )
        if not options["no_register"]:
            version = register_model_version(artifact.folder)
            self.stdout.write(self.style.SUCCESS(f"Registered model version {version}."))


def _sequences(value: str) -> list[str]:
    names = [name.strip().upper() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in Sequence.__members__]
    if unknown or not names or len(set(names)) != len(names):
        allowed = ", ".join(s.value for s in CHANNEL_ORDER)
        raise CommandError(f"--sequences {value!r}: give distinct names among {allowed}")
    return [s.value for s in CHANNEL_ORDER if s.value in names]


def _default_out(options) -> Path:
    name = f"{options['kind']}-{options['target'].lower()}-{options['preset']}-{options['seed']}"
    return Path(settings.VAR_DIR) / "models" / name


def _recorded(options) -> list[str]:
    arguments = []
    for key in RECORDED:
        arguments += [f"--{key.replace('_', '-')}", str(options[key])]
    optional = [(key, options[key]) for key in ("threads", "name") if options[key] is not None]
    return arguments + [item for key, value in optional for item in (f"--{key}", str(value))]
