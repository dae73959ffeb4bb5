"""Synthetic heads (the cohort's healthy brain with skull and scalp), shared by the preprocessing
tests. Built once per process: a 2 mm head takes a second."""

import functools

import numpy as np

from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.contrasts import render_exam
from imaging.synthetic.head import Head, add_head


@functools.cache
def healthy_exam(resolution: int, seed: int = 3) -> dict[Sequence, np.ndarray]:
    """The cohort's four sequences of a brain without lesions, skull-stripped."""
    anatomy = load_anatomy(resolution)
    return render_exam(
        anatomy, np.zeros(anatomy.shape, np.uint8), {}, np.random.default_rng([seed, 0])
    )


@functools.cache
def healthy_head(resolution: int, seed: int = 3) -> Head:
    """That exam inside its head."""
    anatomy = load_anatomy(resolution)
    return add_head(anatomy, healthy_exam(resolution, seed), np.random.default_rng([seed, 1]))


def on_head_grid(head: Head, array: np.ndarray, resolution: int) -> np.ndarray:
    """An array on the anatomy's grid (a tissue map, say) placed on the head's larger grid."""
    corner = np.linalg.solve(head.affine, load_anatomy(resolution).affine @ [0, 0, 0, 1])[:3]
    start = np.rint(corner).astype(int)
    placed = np.zeros(head.brain.shape, array.dtype)
    placed[tuple(slice(s, s + n) for s, n in zip(start, array.shape, strict=True))] = array
    return placed


def extract_the_known_brain(monkeypatch) -> None:
    """deepbet replaced by the truth of a skull-stripped exam (its nonzero voxels), for tests of
    what is done with a mask; test_brain_extraction and test_clinical_exams run the network."""
    monkeypatch.setattr("imaging.preprocessing.pipeline._stripped_already", lambda *_: "")
    monkeypatch.setattr(
        "imaging.preprocessing.pipeline.extract_brain",
        lambda volume, affine, **_: (np.asarray(volume) > 0, {"step": "brain_extraction"}),
    )
