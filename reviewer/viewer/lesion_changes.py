"""How each lesion changed against the older exams the viewer shows, and whether it is new.

A lesion is compared with the segmentation of the same source kind (a composite of the same
model family, the same model kind and target, a reader, or the reference) in each older exam.
Only lesions take part: components below their map's minimum volume are not lesions, and the
parts of a composite list none (their components are the composite's lesions). Two lesions match
when their voxels overlap, if the two exams share a voxel grid; otherwise (different grids, after
registration) when their centroids, both in the current exam's space, are no farther apart than
the radii of two spheres of their volumes, and never less than NEAR_MM, so that a small lesion
that moved a little with the head is still itself. Overlaps are computed once per pair of label
maps, when the second of them arrives (cache_lesion_overlaps, from reviewer.viewer.preparation),
and kept in the cache (segmentation.lesion_overlaps); a manifest only reads them. Matching works on
arrays (overlap pairs, a k-d tree of centroids, bincount sums), never lesion by lesion against
lesion, so that maps of thousands of lesions cost milliseconds.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from imaging.geometry import Geometry, ras_to_lps, transform_points
from reviewer.cases.models import Exam
from segmentation import lesion_overlaps
from segmentation.models import Segmentation
from segmentation.segmentations import listed_lesions

NEAR_MM = 5.0
_REACH_SLACK_MM = 1e-6  # the k-d tree's candidate radius errs wide; the exact rule decides


@dataclass(frozen=True)
class LesionTable:
    """The lesions of one segmentation, column by column, in index order, with their centroids
    in the current exam's LPS space. Components below the minimum are not lesions and are never
    here; read as plain rows, since a model instance per lesion costs more than the manifest."""

    FIELDS = ("pk", "index", "label", "volume_ml", "centroid_mm", "bbox")

    ids: list[int]
    index: np.ndarray
    label: list[int]
    volume_ml: np.ndarray
    centroid: np.ndarray  # (n, 3)
    bbox: list

    @classmethod
    def of(cls, rows: list[tuple], to_current: np.ndarray) -> "LesionTable":
        """From rows of FIELDS."""
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in cls.FIELDS]
        ids, index, label, volume, centroid, bbox = columns
        centroid_ras = np.array(centroid, dtype=float).reshape(-1, 3)
        return cls(
            ids=ids,
            index=np.array(index, dtype=np.int64),
            label=label,
            volume_ml=np.array(volume, dtype=float),
            centroid=transform_points(to_current, ras_to_lps(centroid_ras)),
            bbox=bbox,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def radius_mm(self) -> np.ndarray:
        """The radius of a sphere of each lesion's volume."""
        return np.cbrt(3 * self.volume_ml * 1000 / (4 * np.pi))

    def positions(self, indices: np.ndarray) -> np.ndarray:
        """The row of each lesion index here, -1 for an index not listed (below the minimum)."""
        lookup = np.full(max(int(self.index.max(initial=0)), int(indices.max(initial=0))) + 1, -1)
        lookup[self.index] = np.arange(len(self.index))
        return lookup[indices]


@dataclass(frozen=True)
class ExamLesions:
    """One shown exam: its grid (own LPS, None without series), the matrix that takes its LPS
    world into the current exam's, its segmentations (with their parts and composites
    prefetched, manifest.shown_exams) and the lesion table of each one reviewed."""

    exam: Exam
    grid: Geometry | None
    to_current: np.ndarray
    segmentations: list[Segmentation]
    tables: dict[int, LesionTable]

    @classmethod
    def of(cls, exam: Exam, to_current: np.ndarray, rows: dict[int, list[tuple]]) -> "ExamLesions":
        """`exam` with its series and segmentations prefetched; `rows` from lesion_rows."""
        series = next(iter(exam.series.all()), None)  # all of an exam's series share its grid
        segmentations = list(exam.segmentations.all())
        return cls(
            exam=exam,
            grid=Geometry.from_ras(series.affine, series.shape) if series else None,
            to_current=to_current,
            segmentations=segmentations,
            tables={
                s.pk: LesionTable.of(rows.get(s.pk, []), to_current)
                for s in segmentations
                if not is_part(s)
            },
        )

    @property
    def reviewed(self) -> list[Segmentation]:
        """The segmentations whose lesions are listed: all but the parts of a composite (their
        components are the composite's lesions)."""
        return [s for s in self.segmentations if s.pk in self.tables]

    def table(self, segmentation: Segmentation) -> LesionTable:
        """Its lesions; none for a part."""
        if segmentation.pk not in self.tables:
            return LesionTable.of([], self.to_current)
        return self.tables[segmentation.pk]


def is_part(segmentation: Segmentation) -> bool:
    return bool(segmentation.composites.all())


def lesion_rows(exams: list[Exam]) -> dict[int, list[tuple]]:
    """segmentation id -> its lesions as LesionTable rows, in one query, for the segmentations
    of these exams that are reviewed (a noisy part of 10,000 specks costs no row here)."""
    reviewed = [s.pk for exam in exams for s in exam.segmentations.all() if not is_part(s)]
    rows = defaultdict(list)
    for segmentation, *row in (
        listed_lesions()
        .filter(segmentation__in=reviewed)
        .values_list("segmentation", *LesionTable.FIELDS)
    ):
        rows[segmentation].append(tuple(row))
    return rows


def lesion_changes(exams: list[ExamLesions]) -> dict[int, dict]:
    """lesion id -> {"change": {...} | None, "prior_volumes": [...], "new": bool} for every listed
    lesion of the shown exams (newest first). "change" compares with the nearest older exam that
    has a segmentation of the same kind; "prior_volumes" gives, for each older exam with one, the
    volume of the lesions it matches there (None: none matches); "new" means that no older exam
    has a matching lesion. Only listed lesions match: a component below the minimum is no
    lesion, so a lesion whose only counterpart was a speck is new."""
    result = {}
    for exam, segmentation, counterparts in _compared(exams):
        here = exam.table(segmentation)
        matched = [
            _rounded_or_none(
                _matched_ml(
                    here, older.table(prior), matching_pairs(exam, segmentation, older, prior)
                )
            )
            for older, prior in counterparts
        ]
        prior_exams = [older.exam.pk for older, _ in counterparts]
        volumes = here.volume_ml.tolist()
        for row, lesion_id in enumerate(here.ids):
            prior_ml = [m[row] for m in matched]
            result[lesion_id] = {
                "change": _change(volumes[row], prior_ml[0] if prior_ml else None),
                "prior_volumes": [
                    {"exam": exam_id, "volume_ml": ml}
                    for exam_id, ml in zip(prior_exams, prior_ml, strict=True)
                ],
                "new": bool(prior_ml) and all(ml is None for ml in prior_ml),
            }
    return result


def _rounded_or_none(volumes: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in np.round(volumes, 4).tolist()]  # v != v: NaN


def cache_lesion_overlaps(exams: list[ExamLesions]) -> None:
    """Compute and keep the voxel overlaps that lesion_changes reads for these shown exams (those
    of counterparts on one grid; on different grids lesions match by centroid, from rows)."""
    for exam, segmentation, counterparts in _compared(exams):
        for older, prior in counterparts:
            if _share_grid(exam, older):
                lesion_overlaps.overlap_pairs(segmentation, prior, keep=True)


def _compared(
    exams: list[ExamLesions],
) -> Iterator[tuple[ExamLesions, Segmentation, list[tuple[ExamLesions, Segmentation]]]]:
    """Each reviewed segmentation of the shown exams (newest first) with its counterpart in each
    older exam that has one, nearest first."""
    for position, exam in enumerate(exams):
        for segmentation in exam.reviewed:
            counterparts = [
                (older, found)
                for older in exams[position + 1 :]
                if (found := counterpart(segmentation, older.reviewed)) is not None
            ]
            yield exam, segmentation, counterparts


def source_kind(segmentation: Segmentation) -> tuple[str, str, str]:
    """What a segmentation is compared by: its source, the model kind or composite family, and
    the target."""
    version = segmentation.model_version
    family = version.kind if version else segmentation.family
    return (segmentation.source, family, segmentation.target)


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


def matching_pairs(
    exam: ExamLesions, segmentation: Segmentation, older: ExamLesions, prior: Segmentation
) -> tuple[np.ndarray, np.ndarray]:
    """(rows here, rows in the prior's table) of every matching pair of listed lesions."""
    here, there = exam.table(segmentation), older.table(prior)
    if not len(here) or not len(there):
        return _NO_PAIRS
    if _share_grid(exam, older):
        pairs = lesion_overlaps.overlap_pairs(segmentation, prior, keep=False)
        rows = here.positions(pairs[:, 0]), there.positions(pairs[:, 1])
        listed = (rows[0] >= 0) & (rows[1] >= 0)
        return rows[0][listed], rows[1][listed]
    return near_pairs(here, there)


_NO_PAIRS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _share_grid(exam: ExamLesions, older: ExamLesions) -> bool:
    return exam.grid is not None and older.grid is not None and exam.grid.same_grid(older.grid)


def _matched_ml(
    here: LesionTable, there: LesionTable, pairs: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Per lesion here, the volume of the prior's lesions it matches (their sum, when they merged
    since); NaN where it matches none."""
    rows, prior_rows = pairs
    count = np.bincount(rows, minlength=len(here))
    total = np.bincount(rows, weights=there.volume_ml[prior_rows], minlength=len(here))
    return np.where(count > 0, total, np.nan)


def _change(volume_ml: float, prior_ml: float | None) -> dict | None:
    """Against the lesions it matches in the nearest older exam; None when it matches none there
    (nothing to compare with: it is new, or it was missed)."""
    if not prior_ml:
        return None
    delta = volume_ml - prior_ml
    return {
        "prior_volume_ml": round(prior_ml, 4),
        "delta_ml": round(delta, 4),
        "delta_percent": round(100 * delta / prior_ml, 2),
    }


def near_pairs(here: LesionTable, there: LesionTable) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose centroids are no farther apart than max(NEAR_MM, r_here + r_there). Such a
    pair is within max(NEAR_MM, 2 r) of its larger lesion's centre, so each side's k-d tree is
    asked for the other's lesions within that reach and the rule is checked on those only."""
    radius_here, radius_there = here.radius_mm(), there.radius_mm()
    forward = _within(there.centroid, here.centroid, np.maximum(NEAR_MM, 2 * radius_here))
    backward = _within(here.centroid, there.centroid, np.maximum(NEAR_MM, 2 * radius_there))
    candidates = np.unique(
        np.concatenate(
            [forward[0] * len(there) + forward[1], backward[1] * len(there) + backward[0]]
        )
    )
    rows, prior_rows = np.divmod(candidates, len(there))
    distance = np.linalg.norm(here.centroid[rows] - there.centroid[prior_rows], axis=1)
    reach = np.maximum(NEAR_MM, radius_here[rows] + radius_there[prior_rows])
    close = distance <= reach
    return rows[close], prior_rows[close]


def _within(points: np.ndarray, centres: np.ndarray, reach: np.ndarray):
    """(centre row, point row) of every point within its centre's reach."""
    found = cKDTree(points).query_ball_point(centres, r=reach + _REACH_SLACK_MM)
    counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    centre_rows = np.repeat(np.arange(len(centres)), counts)
    point_rows = np.fromiter(
        itertools.chain.from_iterable(found), dtype=np.int64, count=counts.sum()
    )
    return centre_rows, point_rows
