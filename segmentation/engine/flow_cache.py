"""A byte-budgeted LRU cache for the flows of single slices (the frames of [1] on demand).

One 240×240 slice at 101 stages holds I_t in float16 (46.5 MB), J_t in float16 (11.6 MB) and the
packed BCF (5.8 MB); a whole exam of them would not fit in memory, so the viewer computes a slice's
flow when it is asked for and keeps the most recently used ones within a byte budget.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple, Protocol


class FlowKey(NamedTuple):
    """What a slice's flow depends on: the weights, the four series, the slice and the grid."""

    model_hash: str
    series_hashes: tuple[str, ...]  # [FLAIR, T1, T1CE, T2]
    slice_index: int
    axis: int
    stages: int = 101


class Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


class FlowCache:
    """Least-recently-used flows whose ``nbytes`` add up to at most ``max_bytes``.

    A flow larger than the whole budget is returned to its caller but not kept. The cache is
    safe to share between threads; two threads missing on one key may both compute it.

    Parameters
    ----------
    max_bytes
        The budget; eviction keeps the sum of the cached flows' ``nbytes`` within it.
    """

    def __init__(self, max_bytes: int):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be non-negative, got {max_bytes}")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[FlowKey, Sized] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._nbytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: FlowKey) -> bool:
        return key in self._entries

    def get(self, key: FlowKey) -> Sized | None:
        """The cached flow for ``key``, now the most recently used, or None."""
        with self._lock:
            flow = self._entries.get(key)
            if flow is not None:
                self._entries.move_to_end(key)
            return flow

    def put(self, key: FlowKey, flow: Sized) -> None:
        """Keep ``flow`` under ``key``, evicting the least recently used flows over budget."""
        with self._lock:
            if key in self._entries:
                self._nbytes -= self._entries.pop(key).nbytes
            if flow.nbytes > self.max_bytes:
                return
            self._entries[key] = flow
            self._nbytes += flow.nbytes
            while self._nbytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._nbytes -= evicted.nbytes

    def get_or_compute(self, key: FlowKey, compute: Callable[[], Sized]) -> Sized:
        """The cached flow for ``key``, or ``compute()`` stored under it."""
        flow = self.get(key)
        if flow is None:
            flow = compute()
            self.put(key, flow)
        return flow
