"""Model versions with untrained weights: enough to test the inference pipeline's plumbing."""

import io

import torch

from segmentation.engine.artifacts import write_card
from segmentation.engine.nets import UNet, UNetConfig
from segmentation.engine.node import CHANNELS, build_node
from segmentation.services import register_model_version


def _card(name: str, kind: str, target: str, config: dict) -> dict:
    return {
        "name": name,
        "version": "test",
        "kind": kind,
        "target": target,
        "sequences": list(CHANNELS),
        "preset": "small",
        "config": config,
        "training": {"command": "untrained, for tests"},
        "manifest": {},
    }


def node_version(tmp_path, *, target: str = "WT", seed: int = 0, steps: int = 4, deploy=True):
    torch.manual_seed(seed)
    model = build_node("small")
    model.steps = steps
    return _register(
        tmp_path / f"node-{target}-{seed}",
        model,
        _card(f"node-{target}-{seed}", "node", target, model.config()),
        deploy,
    )


def unet_version(tmp_path, *, target: str = "WT", seed: int = 0, deploy=True):
    torch.manual_seed(seed)
    config = UNetConfig.from_preset("small", in_channels=4, out_channels=1)
    model = UNet(config)
    card = _card(
        f"unet-{target}-{seed}", "unet", target, {"kind": "unet", "network": config.to_dict()}
    )
    return _register(tmp_path / f"unet-{target}-{seed}", model, card, deploy)


def _register(folder, model, card, deploy):
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    (folder / "weights.pt").write_bytes(buffer.getvalue())
    write_card(folder, card)
    version = register_model_version(folder)
    if deploy:
        go_live(version)
    return version


def go_live(version):
    """Make a version live as its lineage's first (reviewer.validation.deployment.install)."""
    from django.contrib.auth import get_user_model

    from reviewer.validation.deployment import install

    user, _ = get_user_model().objects.get_or_create(username="installer", role="qa_admin")
    install(version, user=user, reason="a test's model version")
    version.refresh_from_db()
    return version
