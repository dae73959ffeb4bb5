"""Colocalisation of readers' points (spec ms-workflows S-13, paper A 3942–3947): the marks that
all readers placed on one case, in both phases, grouped into distinct lesions by distance.

**Rule.** Complete-linkage agglomerative clustering (scipy ``linkage(method="complete")``), cut
at the tolerance (``fcluster(criterion="distance")``): every two marks of one lesion lie within
the tolerance of each other. Single linkage (a k-d tree's pairs and connected components) would
chain marks a tolerance apart each into one long lesion spanning neighbouring lesions; complete
linkage does not chain.

**Two marks of one reading stay apart.** A reader marks each lesion they perceive once, with "a
point near the center" (S-08): two marks of the same reading are two lesions as that reader saw
them. Their distance is replaced by a value above any cut, so no lesion ever holds two marks of
one reading; where a reader did mark one lesion twice, a person merges the two by hand.

**Tolerance: 5 mm** by default. Paper A gives none. Readers mark near the centre of new MS
lesions of about 3 mm and more across (the usual minimum for a new T2 lesion) on images resampled
to 1 mm, so two readers' points on one lesion lie a few millimetres apart; two lesions whose
centres lie closer than 5 mm are hardly told apart on such images and are usually read as one.

**Lesions already decided stay.** A later run (new readings) passes the lesions that exist,
automatic or made by hand, as fixed groups: a fixed group is never cut, never joins another fixed
group, and gains a new mark only within the tolerance of all its marks. This is the same
clustering: a fixed group's inner distances are 0 and every other distance is shifted by 1 mm, so
the groups form first and the rest merge as before (complete linkage shifts uniformly).

Plain numpy and scipy: no Django (an import-linter contract)."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

DEFAULT_TOLERANCE_MM = 5.0
_SHIFT_MM = 1.0  # above a fixed group's inner distances (0), below nothing else


@dataclass(frozen=True)
class Cluster:
    """A distinct lesion: the indices of its marks in the input, in order, and their centroid."""

    members: tuple[int, ...]
    centroid: tuple[float, float, float]
    fixed: int | None = None  # the fixed group it continues, if any


def colocalise(
    positions,
    readings: Sequence[Hashable],
    *,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
    fixed: Sequence[int | None] | None = None,
) -> list[Cluster]:
    """Group marks (``positions``: n × 3 millimetres; ``readings[i]``: the reading of mark i)
    into distinct lesions; ``fixed[i]``, if given, is the existing lesion mark i belongs to
    (None: a new mark). Clusters are ordered by their first mark."""
    points = np.asarray(positions, dtype=float).reshape(-1, 3)
    count = len(points)
    if len(readings) != count:
        raise ValueError(f"readings: one per mark, {len(readings)} for {count} marks")
    if not np.isfinite(points).all():
        raise ValueError("positions: finite millimetres")
    if not tolerance_mm > 0:
        raise ValueError(f"tolerance_mm: positive, not {tolerance_mm}")
    groups = list(fixed) if fixed is not None else [None] * count
    if len(groups) != count:
        raise ValueError(f"fixed: one per mark, {len(groups)} for {count} marks")
    labels = _cut(points, list(readings), groups, tolerance_mm) if count > 1 else [1] * count
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    clusters = [tuple(indices) for indices in members.values()]
    return sorted(
        (
            Cluster(
                members=indices,
                centroid=tuple(float(v) for v in points[list(indices)].mean(axis=0)),
                fixed=next((groups[i] for i in indices if groups[i] is not None), None),
            )
            for indices in clusters
        ),
        key=lambda cluster: cluster.members[0],
    )


def _cut(points: np.ndarray, readings: list, groups: list, tolerance_mm: float) -> np.ndarray:
    distances = squareform(pdist(points)) + _SHIFT_MM
    apart = tolerance_mm + _SHIFT_MM + distances.max() + 1.0  # above every cut and distance
    reading = _codes(readings)
    group = _codes(groups)
    is_fixed = np.array([g is not None for g in groups])
    same_reading = reading[:, None] == reading[None, :]
    both_fixed = is_fixed[:, None] & is_fixed[None, :]
    same_group = both_fixed & (group[:, None] == group[None, :])
    distances[same_reading | both_fixed] = apart
    distances[same_group] = 0.0  # a fixed group holds as it was decided, twice-marked or not
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="complete")
    return fcluster(tree, t=tolerance_mm + _SHIFT_MM, criterion="distance")


def _codes(keys: list) -> np.ndarray:
    """Equal keys, equal integers."""
    codes: dict = {}
    return np.array([codes.setdefault(key, len(codes)) for key in keys])
