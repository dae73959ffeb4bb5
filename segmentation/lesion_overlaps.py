"""Which lesions of two segmentations on one voxel grid share a voxel: what the viewer matches
lesions across exams with (reviewer.viewer.lesion_changes) and what the new-lesion alarm of a
glioma composite counts (reviewer.alarms.clinical). Pairs are kept in the cache under the two
label maps' content hashes, so each pair of maps is compared once."""

import numpy as np
from django.core.cache import cache
from scipy import ndimage

from reviewer.core.storage import read_nifti
from segmentation.engine.lesions import CONNECTIVITY_26
from segmentation.models import Lesion, Segmentation

OVERLAP_VERSION = 2  # bump when the cached overlap pairs change meaning or form


def overlap_pairs(segmentation: Segmentation, prior: Segmentation, *, keep: bool) -> np.ndarray:
    """(n, 2) [lesion index in `segmentation`, lesion index in `prior`] for every pair of
    components that share a voxel (below the minimum or not); the two maps share a grid. Read
    from the cache, else computed, and then kept there when ``keep`` (a manifest request keeps
    nothing: it writes nothing)."""
    key = f"lesion-overlap:v{OVERLAP_VERSION}:{segmentation.sha256}:{prior.sha256}"
    pairs = cache.get(key)
    if pairs is None:
        here, there = _lesion_index_map(segmentation), _lesion_index_map(prior)
        both = (here > 0) & (there > 0)
        pairs = np.unique(np.stack([here[both], there[both]], axis=1), axis=0)
        pairs = pairs.astype(np.int32).reshape(-1, 2)
        if keep:
            cache.set(key, pairs, timeout=None)
    return pairs


def _lesion_index_map(segmentation: Segmentation) -> np.ndarray:
    """Each voxel's lesion index (0 outside lesions). Components are found again and named by
    the stored lesion with the same bounding box and size, so indices match the database."""
    labels = np.asanyarray(read_nifti(segmentation.file.name).dataobj)
    components, count = ndimage.label(labels > 0, structure=CONNECTIVITY_26)
    sizes = np.bincount(components.ravel(), minlength=count + 1)[1:].tolist()
    boxes = [
        tuple(s.start for s in box) + tuple(s.stop - 1 for s in box)
        for box in ndimage.find_objects(components)
    ]
    stored = {
        (*lesion["bbox"][0], *lesion["bbox"][1], lesion["voxel_count"]): lesion["index"]
        for lesion in Lesion.objects.filter(segmentation=segmentation).values(
            "bbox", "voxel_count", "index"
        )
    }
    index_of = np.zeros(count + 1, dtype=np.int32)
    index_of[1:] = [stored.get((*box, size), 0) for box, size in zip(boxes, sizes, strict=True)]
    return index_of[components]
