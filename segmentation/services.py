"""The Django side of the segmentation library: registering model versions."""

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from segmentation.engine.artifacts import read_artifact
from segmentation.models import ModelVersion


@transaction.atomic
def register_model_version(folder: Path) -> ModelVersion:
    """Register an artifact folder as a model version; the same weights register once."""
    artifact = read_artifact(folder)
    existing = ModelVersion.objects.filter(sha256=artifact.sha256).first()
    if existing is not None:
        return existing
    name = f"models/{artifact.sha256[:2]}/{artifact.sha256}.pt"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(artifact.weights_path.read_bytes()))
    card = artifact.card
    return ModelVersion.objects.create(
        name=card["name"],
        version=card["version"],
        kind=card["kind"],
        target=card["target"],
        sequences=card["sequences"],
        preset=card.get("preset", ""),
        weights=name,
        sha256=artifact.sha256,
        configuration={
            k: card[k] for k in ("config", "label_scheme", "normalization") if k in card
        },
        training_manifest={"training": card["training"], "manifest": card["manifest"]},
        validation_metrics=card.get("validation", {}),
    )
