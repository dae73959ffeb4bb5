"""How each lesion changed against the older exams the viewer shows, and whether it is new.

A lesion is compared with the segmentation of the same source kind (the same model kind and
target, a reader, or the reference) in each older exam. Two lesions match when their voxels
overlap, if the two exams share a voxel grid; otherwise (different grids, after registration)
when their centroids, both in the current exam's space, are no farther apart than the radii of
two spheres of their volumes, and never less than NEAR_MM, so that a small lesion that moved a
little with the head is still itself. Overlaps are computed once per pair of label maps, when the
second of them arrives (cache_lesion_overlaps, from reviewer.viewer.preparation), and kept in the
cache under their content hashes; a manifest only reads them.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from scipy import ndimage

from imaging.geometry import Geometry, ras_to_lps, transform_points
from reviewer.cases.models import Exam
from reviewer.core.storage import read_nifti
from segmentation.engine.lesions import CONNECTIVITY_26
from segmentation.models import Lesion, Segmentation

NEAR_MM = 5.0
OVERLAP_VERSION = 1  # bump when the cached overlap pairs change meaning


@dataclass(frozen=True)
class ExamLesions:
    """One shown exam: its grid (own LPS, None without series), the matrix that takes its LPS
    world into the current exam's, and its segmentations with their lesions prefetched."""

    exam: Exam
    grid: Geometry | None
    to_current: np.ndarray
    segmentations: list[Segmentation]

    @classmethod
    def of(cls, exam: Exam, to_current: np.ndarray) -> "ExamLesions":
        """`exam` with its series and segmentations (and their lesions) prefetched."""
        series = next(iter(exam.series.all()), None)  # all of an exam's series share its grid
        return cls(
            exam=exam,
            grid=Geometry.from_ras(series.affine, series.shape) if series else None,
            to_current=to_current,
            segmentations=list(exam.segmentations.all()),
        )

    def centroid_in_current(self, lesion: Lesion) -> np.ndarray:
        return transform_points(self.to_current, ras_to_lps(lesion.centroid_mm))


def lesion_changes(exams: list[ExamLesions]) -> dict[int, dict]:
    """lesion id -> {"change": {...} | None, "prior_volumes": [...], "new": bool} for every lesion
    of the shown exams (newest first). "change" compares with the nearest older exam that has a
    segmentation of the same kind; "prior_volumes" gives, for each older exam with one, the volume
    of the lesions it matches there (None: none matches); "new" means that no older exam has a
    matching lesion."""
    result = {}
    for exam, segmentation, counterparts in _compared(exams):
        matches = [
            matching_lesions(exam, segmentation, older, prior) for older, prior in counterparts
        ]
        for lesion in segmentation.lesions.all():
            result[lesion.pk] = {
                "change": _change(lesion, counterparts, matches),
                "prior_volumes": [
                    {
                        "exam": older.exam.pk,
                        "volume_ml": _matched_ml(prior, m.get(lesion.index)),
                    }
                    for (older, prior), m in zip(counterparts, matches, strict=True)
                ],
                "new": bool(matches) and not any(m.get(lesion.index) for m in matches),
            }
    return result


def cache_lesion_overlaps(exams: list[ExamLesions]) -> None:
    """Compute and keep the voxel overlaps that lesion_changes reads for these shown exams (those
    of counterparts on one grid; on different grids lesions match by centroid, from rows)."""
    for exam, segmentation, counterparts in _compared(exams):
        for older, prior in counterparts:
            key = _overlap_key(segmentation, prior)
            if _share_grid(exam, older) and cache.get(key) is None:
                cache.set(key, _overlap_pairs(segmentation, prior), timeout=None)


def _compared(
    exams: list[ExamLesions],
) -> Iterator[tuple[ExamLesions, Segmentation, list[tuple[ExamLesions, Segmentation]]]]:
    """Each segmentation of the shown exams (newest first) with its counterpart in each older
    exam that has one, nearest first."""
    for position, exam in enumerate(exams):
        for segmentation in exam.segmentations:
            counterparts = [
                (older, found)
                for older in exams[position + 1 :]
                if (found := counterpart(segmentation, older.segmentations)) is not None
            ]
            yield exam, segmentation, counterparts


def source_kind(segmentation: Segmentation) -> tuple[str, str, str]:
    version = segmentation.model_version
    return (segmentation.source, version.kind if version else "", segmentation.target)


def counterpart(segmentation: Segmentation, candidates: list[Segmentation]) -> Segmentation | None:
    """The candidate of the same source kind; the same model version or reader if there is one,
    else the newest."""
    same_kind = [c for c in candidates if source_kind(c) == source_kind(segmentation)]
    same_origin = [
        c
        for c in same_kind
        if (c.model_version_id, c.reader_id)
        == (segmentation.model_version_id, segmentation.reader_id)
    ]
    return max(same_origin or same_kind, key=lambda c: c.pk, default=None)


def matching_lesions(
    exam: ExamLesions, segmentation: Segmentation, older: ExamLesions, prior: Segmentation
) -> dict[int, set[int]]:
    """lesion index in `segmentation` -> indices of the matching lesions in `prior`."""
    if _share_grid(exam, older):
        return _overlapping(segmentation, prior)
    return _near(exam, segmentation, older, prior)


def _share_grid(exam: ExamLesions, older: ExamLesions) -> bool:
    return exam.grid is not None and older.grid is not None and exam.grid.same_grid(older.grid)


def _matched_ml(prior: Segmentation, indices: set[int] | None) -> float | None:
    """The volume of the matched lesions of a prior (several when they merged since), or None."""
    if not indices:
        return None
    return round(sum(p.volume_ml for p in prior.lesions.all() if p.index in indices), 4)


def _change(lesion: Lesion, counterparts, matches) -> dict | None:
    """Against the lesions it matches in the nearest older exam; None when it matches none there
    (nothing to compare with: it is new, or it was missed)."""
    prior_ml = _matched_ml(counterparts[0][1], matches[0].get(lesion.index)) if matches else None
    if prior_ml is None:
        return None
    delta = lesion.volume_ml - prior_ml
    return {
        "prior_volume_ml": round(prior_ml, 4),
        "delta_ml": round(delta, 4),
        "delta_percent": round(100 * delta / prior_ml, 2),
    }


def _near(exam, segmentation, older, prior) -> dict[int, set[int]]:
    found = defaultdict(set)
    for lesion in segmentation.lesions.all():
        here = exam.centroid_in_current(lesion)
        for candidate in prior.lesions.all():
            distance = np.linalg.norm(here - older.centroid_in_current(candidate))
            reach = max(NEAR_MM, _radius_mm(lesion) + _radius_mm(candidate))
            if distance <= reach:
                found[lesion.index].add(candidate.index)
    return dict(found)


def _radius_mm(lesion: Lesion) -> float:
    return float(np.cbrt(3 * lesion.volume_ml * 1000 / (4 * np.pi)))


def _overlapping(segmentation: Segmentation, prior: Segmentation) -> dict[int, set[int]]:
    pairs = cache.get(_overlap_key(segmentation, prior))
    if pairs is None:
        # Not prepared (yet, or the cache was emptied): computed from the label maps and not
        # kept, as a manifest request writes nothing.
        pairs = _overlap_pairs(segmentation, prior)
    found = defaultdict(set)
    for index, prior_index in pairs:
        found[index].add(prior_index)
    return dict(found)


def _overlap_key(segmentation: Segmentation, prior: Segmentation) -> str:
    return f"lesion-overlap:v{OVERLAP_VERSION}:{segmentation.sha256}:{prior.sha256}"


def _overlap_pairs(segmentation: Segmentation, prior: Segmentation) -> list[list[int]]:
    """[lesion index in `segmentation`, lesion index in `prior`] for every pair that shares a
    voxel; the two label maps share a grid."""
    here, there = _lesion_index_map(segmentation), _lesion_index_map(prior)
    both = (here > 0) & (there > 0)
    return np.unique(np.stack([here[both], there[both]]), axis=1).T.tolist()


def _lesion_index_map(segmentation: Segmentation) -> np.ndarray:
    """Each voxel's lesion index (0 outside lesions). Components are found again and named by
    the stored lesion with the same bounding box and size, so indices match the database."""
    labels = np.asanyarray(read_nifti(segmentation.file.name).dataobj)
    components, count = ndimage.label(labels > 0, structure=CONNECTIVITY_26)
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    stored = {
        (tuple(map(tuple, lesion.bbox)), lesion.voxel_count): lesion.index
        for lesion in segmentation.lesions.all()
    }
    index_of = np.zeros(count + 1, dtype=np.int32)
    for number, box in enumerate(ndimage.find_objects(components), start=1):
        corners = (tuple(s.start for s in box), tuple(s.stop - 1 for s in box))
        index_of[number] = stored.get((corners, int(sizes[number])), 0)
    return index_of[components]
