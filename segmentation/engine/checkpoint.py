"""Training checkpoints: written atomically after every epoch, resumed only by the same run.

A checkpoint holds the model and optimizer states, the epochs done (their mean losses), the
global RNG states, and a fingerprint of the run (its configuration and the sha256 of every data
file); resuming under another fingerprint is refused rather than silently mixing two trainings.
"""

from pathlib import Path

import numpy as np
import torch

CHECKPOINT = "checkpoint.pt"


def save(folder: Path, model, optimizer, fingerprint: dict, losses: list[float]) -> None:
    """Write ``folder/checkpoint.pt`` after the epochs whose mean ``losses`` are given."""
    state = {
        "fingerprint": fingerprint,
        "epoch": len(losses),
        "losses": losses,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state()},
    }
    partial = Path(folder) / f"{CHECKPOINT}.partial"
    torch.save(state, partial)
    partial.replace(Path(folder) / CHECKPOINT)  # killed mid-save: the previous one stays


def resume(folder: Path, model, optimizer, fingerprint: dict) -> list[float]:
    """Load ``folder/checkpoint.pt`` into the model and optimizer; the losses of its epochs.

    Returns [] when there is none; ValueError when another run (fingerprint) wrote it.
    """
    path = Path(folder) / CHECKPOINT
    if not path.exists():
        return []
    state = torch.load(path, weights_only=False)
    if state["fingerprint"] != fingerprint:
        raise ValueError(
            f"{path} was written by another training configuration or data; "
            "remove it, or train into another folder"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"]["torch"])
    np.random.set_state(state["rng"]["numpy"])
    return list(state["losses"])
