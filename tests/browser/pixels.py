"""What the user sees, as numbers: element screenshots decoded to arrays."""

import io

import numpy as np
from PIL import Image


def rgb(locator) -> np.ndarray:
    """The element as the page paints it (canvases and whatever lies over them), (H, W, 3)."""
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"), dtype=np.int16)


def gray(image: np.ndarray) -> np.ndarray:
    return image.mean(axis=2)


def coloured(image: np.ndarray, spread: int = 40) -> np.ndarray:
    """Pixels far from gray (a label colour over the grayscale image)."""
    return (image.max(axis=2) - image.min(axis=2)) > spread


def changed(before: np.ndarray, after: np.ndarray, by: int = 12) -> np.ndarray:
    return np.abs(before - after).max(axis=2) > by
