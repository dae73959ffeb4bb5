"""Model artifacts on disk: a folder with `weights.pt` (a state dict) and `model.json` (what the
weights are, how they were trained and on what, and how well they validated). The training
command writes them; the Django layer registers them as model versions. No Django here.

model.json keys: name, version, kind ("node" | "unet"), target ("ET" | "TC" | "WT"),
sequences (input channel order), preset, config (network configuration), label_scheme,
normalization, training (command, seed, epochs, solver steps, …), manifest (data folder, train
and validation patients, slice rule and count, file hashes of each exam folder under `cases`),
validation (metric → value).
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# The artifact folders the project ships (segmentation/weights/README.md lists how each was made)
BUNDLED = Path(__file__).resolve().parents[1] / "weights"
WEIGHTS = "weights.pt"
CARD = "model.json"
REQUIRED_KEYS = ("name", "version", "kind", "target", "sequences", "config", "training", "manifest")


@dataclass(frozen=True)
class Artifact:
    folder: Path
    card: dict
    sha256: str

    @property
    def weights_path(self) -> Path:
        return self.folder / WEIGHTS


def read_artifact(folder: Path) -> Artifact:
    """Load and check an artifact folder; ValueError names the file and what is wrong."""
    folder = Path(folder)
    card_path, weights_path = folder / CARD, folder / WEIGHTS
    for path in (card_path, weights_path):
        if not path.is_file():
            raise ValueError(f"{path}: missing")
    try:
        card = json.loads(card_path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{card_path}: not JSON ({error})") from error
    missing = [key for key in REQUIRED_KEYS if key not in card]
    if missing:
        raise ValueError(f"{card_path}: missing keys {missing}")
    return Artifact(folder, card, hashlib.sha256(weights_path.read_bytes()).hexdigest())


def write_card(folder: Path, card: dict) -> None:
    missing = [key for key in REQUIRED_KEYS if key not in card]
    if missing:
        raise ValueError(f"model card lacks {missing}")
    (Path(folder) / CARD).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
