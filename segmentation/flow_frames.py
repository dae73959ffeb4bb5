"""Flow frames for the viewer's flow player: the flow of one axial slice of a NODE
segmentation's exam (:func:`segmentation.engine.flow.slice_flow`), computed when it is asked for,
encoded in the viewer contract's binary format and kept on disk, gzip-compressed once, under a
key that names everything the bytes depend on (within a disk budget, least recently asked
pruned first).

The cost of a request is the integration (a 197×233 slice at 26 stages: about 2 s on one CPU
thread, 1.5 s on two idle cores) plus reading the exam. Reading is made cheap by keeping, per
process, each exam's four series as stored (native dtype) in a byte-budgeted LRU beside their
normalization limits (in the Django cache by series sha256, so a restart skips the
percentiles): one slice then normalizes in milliseconds, where normalizing a whole 1 mm exam
takes seconds.

Body (little-endian, arrays C-order in display orientation, H rows × W columns):
uint32 L, L bytes of JSON header, I_t uint8 (T, 4, H, W) quantized per channel over
``image_range``, J_t uint8 (T, H, W) = round(255 J), BCF uint8 (T, H, W) with η_t^k in bit k,
γ uint8 (H, W), and, if ``has_reference``, the reference's target mask uint8 (H, W).
"""

import gzip
import hashlib
import json
import os
import struct
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.urls import reverse

from imaging.labels import LabelScheme
from reviewer.core.storage import read_nifti
from segmentation.engine import predict
from segmentation.engine.data import brain_mask, rescale, robust_limits
from segmentation.engine.flow import FlowCache, FlowKey, SliceFlow, slice_flow
from segmentation.engine.targets import TARGET_LABELS, target_mask
from segmentation.models import ModelVersion, Segmentation

DEFAULT_STAGES = 26  # Δt = 0.04: playable within 3 s on a CPU; 101 stages take about 4 s alone
MIN_STAGES, MAX_STAGES = 2, 101
AXIAL = 2
FORMAT = 2  # part of every key: a change of the encoding never serves old files under it
GZIP_LEVEL = 1  # the frames are written once per key, but on the request's path
EXAM_CACHE_BYTES = 512 * 2**20  # ≈ 7 exams of four 197×233×189 int16 series
FRAMES_DISK_BYTES = 4 * 2**30  # ≈ 2400 flows at 26 stages; the least recently asked go first
# Torch threads of the flows: one core left to the rest of the machine (the browser, the
# database). On 2 shared cores at a load of 4, a 26-stage flow took 2.3 s on one thread and
# 20-28 s on two, whose OpenMP threads mostly waited for each other.
TORCH_THREADS = max(1, (os.cpu_count() or 2) - 1)
LIMITS_VERSION = 1

StageCallback = Callable[[int, int], None]


class FlowRequestError(ValueError):
    """A flow that cannot be served, with a message for the user naming the field and value."""


@dataclass(frozen=True)
class Reference:
    """The exam's reference label map, whose target mask is shown beside γ at t = 1."""

    file: str
    sha256: str
    label_scheme: str


@dataclass(frozen=True)
class FlowPlan:
    """What rendering one slice's flow needs, read from the database first, so that rendering
    (seconds of compute) holds no database connection and runs in any thread."""

    segmentation: int
    key: FlowKey
    model_kind: str
    model_config: dict
    weights_file: str
    sequences: tuple[str, ...]  # channel order of the model's input
    series_files: tuple[str, ...]  # in that order
    target: str
    reference: Reference | None

    @property
    def digest(self) -> str:
        """The frames' key: the flow's key, plus what else the bytes show (ids, reference)."""
        described = {
            "format": FORMAT,
            "flow": self.key._asdict(),
            "segmentation": self.segmentation,
            "sequences": self.sequences,
            "target": self.target,
            "reference": self.reference and self.reference.sha256,
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()

    @property
    def path(self) -> Path:
        return frames_path(self.segmentation, self.digest)

    @property
    def url(self) -> str:
        kwargs = {"pk": self.segmentation, "key": self.digest}
        return reverse("segmentation:flow-frames", kwargs=kwargs)


def frames_path(segmentation: int, digest: str) -> Path:
    """Under the segmentation's folder, so a key can only be served with its segmentation."""
    return Path(settings.NEUROREVIEW_FLOW_DIR) / str(segmentation) / f"{digest}.bin.gz"


def plan(segmentation: Segmentation, slice_index: int, stages: int = DEFAULT_STAGES) -> FlowPlan:
    """The plan of the flow of axial slice ``slice_index`` of a NODE segmentation's exam.

    Raises
    ------
    FlowRequestError
        When the segmentation is not a NODE's, the exam lacks an input series, or the slice or
        the stages are out of range.
    """
    version = segmentation.model_version
    if version is None or version.kind != ModelVersion.Kind.NODE:
        made_by = f"model {version} ({version.kind})" if version else segmentation.source
        raise FlowRequestError(
            f"segmentation {segmentation.pk} comes from {made_by}: only NODE segmentations "
            "have a flow"
        )
    if isinstance(stages, bool) or not isinstance(stages, int):
        raise FlowRequestError(f"stages must be an integer, got {stages!r}")
    if isinstance(slice_index, bool) or not isinstance(slice_index, int):
        raise FlowRequestError(f"slice must be an integer, got {slice_index!r}")
    if not MIN_STAGES <= stages <= MAX_STAGES:
        raise FlowRequestError(f"stages must be in {MIN_STAGES}…{MAX_STAGES}, got {stages}")
    series = {s.sequence: s for s in segmentation.exam.series.all()}
    missing = [sequence for sequence in version.sequences if sequence not in series]
    if missing:
        raise FlowRequestError(
            f"exam {segmentation.exam_id} of segmentation {segmentation.pk} lacks the "
            f"{', '.join(missing)} series the model needs"
        )
    inputs = [series[sequence] for sequence in version.sequences]
    depth = inputs[0].shape[AXIAL]
    if not 0 <= slice_index < depth:
        raise FlowRequestError(
            f"slice {slice_index} is outside 0…{depth - 1}: the exam has {depth} axial slices"
        )
    reference = (
        Segmentation.objects.filter(exam=segmentation.exam_id, source=Segmentation.Source.REFERENCE)
        .values_list("file", "sha256", "label_scheme")
        .first()
    )
    return FlowPlan(
        segmentation=segmentation.pk,
        key=FlowKey(
            model_hash=version.sha256,
            series_hashes=tuple(s.sha256 for s in inputs),
            slice_index=slice_index,
            axis=AXIAL,
            stages=stages,
        ),
        model_kind=version.kind,
        model_config=version.configuration["config"],
        weights_file=version.weights.name,
        sequences=tuple(version.sequences),
        series_files=tuple(s.file.name for s in inputs),
        target=segmentation.target,
        reference=Reference(*reference) if reference else None,
    )


def render(plan: FlowPlan, on_stage: StageCallback | None = None) -> str:
    """The frames of ``plan`` on disk, computed unless they are there already; their key.

    ``on_stage(done, total)`` is called after each stage computed; an exception it raises
    abandons the computation and writes nothing.
    """
    if rendered(plan):
        return plan.digest
    x0 = exam_channels(plan).axial_slice(plan.key.slice_index)
    model = _model(plan)
    flow = slice_flow(model, x0, plan.key.stages, on_stage)
    body = encode(
        flow,
        weights=model.weights.detach().cpu().tolist(),
        sequences=plan.sequences,
        slice_index=plan.key.slice_index,
        segmentation=plan.segmentation,
        reference=_reference_mask(plan),
    )
    _write_once(plan.path, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
    _prune(Path(settings.NEUROREVIEW_FLOW_DIR), FRAMES_DISK_BYTES)
    return plan.digest


def prepare(plan: FlowPlan) -> None:
    """Read the plan's exam and model into this process's caches, so that the first flow of
    the exam pays its integration only (the viewer asks for this when it opens a case)."""
    exam_channels(plan)
    _model(plan)


def rendered(plan: FlowPlan) -> bool:
    """Whether the frames are on disk; if so they count as asked again (pruned last)."""
    try:
        os.utime(plan.path)
    except FileNotFoundError:
        return False
    return True


def display(axial: np.ndarray) -> np.ndarray:
    """Axial slices (…, X, Y) of a RAS volume in display orientation (…, Y, X): row 0 anterior,
    column 0 the patient's right (radiological), i.e. ``vol[::-1, ::-1, k].T`` per slice."""
    return np.ascontiguousarray(np.swapaxes(axial[..., ::-1, ::-1], -1, -2))


def encode(
    flow: SliceFlow,
    *,
    weights: list[float],
    sequences: tuple[str, ...],
    slice_index: int,
    segmentation: int,
    reference: np.ndarray | None,
) -> bytes:
    """The contract's body (module docstring) of one slice's flow, frames in (…, X, Y)."""
    images = display(flow.I_t).astype(np.float32)  # (T, 4, H, W)
    low = images.min(axis=(0, 2, 3))
    high = images.max(axis=(0, 2, 3))
    span = np.where(high > low, high - low, 1.0)[:, None, None]
    quantized = np.rint((images - low[:, None, None]) / span * 255).astype(np.uint8)
    frames = np.rint(display(flow.J_t).astype(np.float32) * 255).astype(np.uint8)
    header = {
        "t": [round(float(t), 6) for t in flow.t],
        "height": images.shape[-2],
        "width": images.shape[-1],
        "channels": list(sequences),
        "image_range": [[float(lo), float(hi)] for lo, hi in zip(low, high, strict=True)],
        "weights": [float(w) for w in weights],
        "mu": _rows(flow.mu),
        "gamma_share": _rows(flow.gamma_share),
        "background_share": _rows(flow.background_share),
        "slice": slice_index,
        "segmentation": segmentation,
        "orientation": "radiological",
        "has_reference": reference is not None,
    }
    encoded = json.dumps(header, separators=(",", ":")).encode()
    parts = [struct.pack("<I", len(encoded)), encoded, quantized.tobytes(), frames.tobytes()]
    parts += [display(flow.bcf_code).tobytes(), display(flow.gamma).astype(np.uint8).tobytes()]
    if reference is not None:
        parts.append(display(reference).astype(np.uint8).tobytes())
    return b"".join(parts)


def _rows(values: np.ndarray) -> list[list[float | None]]:
    """Per stage and channel, NaN (undefined) as null: JSON has no NaN."""
    return [[None if np.isnan(v) else round(float(v), 6) for v in row] for row in values]


@dataclass(frozen=True, eq=False)
class ExamChannels:
    """An exam's input series as stored, (X, Y, Z) each, with their normalization limits."""

    volumes: tuple[np.ndarray, ...]
    limits: tuple[dict[str, float], ...]

    @property
    def nbytes(self) -> int:
        return sum(volume.nbytes for volume in self.volumes)

    def axial_slice(self, k: int) -> np.ndarray:
        """I_0 of slice k, (4, X, Y) float32: equal to the normalized exam's slice k, since the
        brain mask and the rescaling are voxelwise (:mod:`segmentation.engine.data`)."""
        images = [volume[..., k] for volume in self.volumes]
        brain = np.logical_or.reduce([image != 0 for image in images])
        pairs = zip(images, self.limits, strict=True)
        return np.stack([rescale(image, brain, limits) for image, limits in pairs])


# FlowCache is a byte-budgeted LRU of anything with nbytes; here exams, keyed by series hashes.
_exams = FlowCache(EXAM_CACHE_BYTES)
_models: dict[str, object] = {}
_models_lock = threading.Lock()


def exam_channels(plan: FlowPlan) -> ExamChannels:
    """The plan's exam, from the LRU or read now."""
    return _exams.get_or_compute(plan.key.series_hashes, lambda: _read_exam(plan))


def _read_exam(plan: FlowPlan) -> ExamChannels:
    # gzip inflation releases the GIL: the four series decompress side by side.
    with ThreadPoolExecutor(len(plan.series_files)) as pool:
        images = list(pool.map(_read_voxels, plan.series_files))
    key = (
        f"flow-limits:v{LIMITS_VERSION}:"
        + hashlib.sha256("|".join(plan.key.series_hashes).encode()).hexdigest()
    )
    limits = cache.get(key)
    if limits is None:
        brain = brain_mask(dict(zip(plan.sequences, images, strict=True)))
        limits = [robust_limits(image, brain) for image in images]
        cache.set(key, limits, timeout=None)
    return ExamChannels(tuple(images), tuple(limits))


def _read_voxels(name: str) -> np.ndarray:
    return np.asanyarray(read_nifti(name).dataobj)


def _model(plan: FlowPlan):
    with _models_lock:
        model = _models.get(plan.key.model_hash)
        if model is None:
            with default_storage.open(plan.weights_file, "rb") as handle:
                weights = handle.read()
            model = predict.load_model(
                plan.model_kind, plan.model_config, weights, predict.choose_device()
            )
            _models[plan.key.model_hash] = model
        return model


def _reference_mask(plan: FlowPlan) -> np.ndarray | None:
    """The reference's mask of the segmentation's target on the slice, (X, Y) bool."""
    if plan.reference is None:
        return None
    labels = np.asanyarray(read_nifti(plan.reference.file).dataobj[..., plan.key.slice_index])
    scheme = LabelScheme(plan.reference.label_scheme)
    if plan.target and scheme in TARGET_LABELS:
        return target_mask(labels, plan.target, scheme)
    return labels > 0


def _write_once(path: Path, data: bytes) -> None:
    """Written beside, then renamed: a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _prune(root: Path, max_bytes: int) -> None:
    """Delete the least recently asked frames until the rest fit in ``max_bytes``; a client
    holding a pruned URL gets 404 and asks the socket again."""
    files = [(entry.stat(), entry) for entry in root.glob("*/*.bin.gz")]
    total = sum(stat.st_size for stat, _ in files)
    for stat, path in sorted(files, key=lambda item: item[0].st_mtime_ns):
        if total <= max_bytes:
            return
        path.unlink(missing_ok=True)
        total -= stat.st_size
