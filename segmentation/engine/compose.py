"""One BraTS label map from the three single-target maps of a model family.

A family (NODE, U-Net) has one model per target, ET ⊂ TC ⊂ WT (segmentation.engine.targets),
and each segments on its own, so the three masks need not be nested. The reader grades one map in
the BraTS regions: enhancing tumour = ET, necrosis/non-enhancing core = TC \\ ET, oedema = WT \\ TC.

Disagreements are resolved by enforcing the nesting with unions, the larger target taking in the
smaller (spec node-and-radiogenomics.md §D2: "TC ← TC ∪ ET; WT ← WT ∪ TC"):

- ET outside TC: the voxel stays enhancing, and so TC is extended by it. ET wins because
  enhancement is the finding a radiologist acts on (RANO measures the enhancing tumour), and
  dropping it would hide what the most specific model saw.
- TC outside WT (and so ET outside WT): the voxel stays core (or enhancing), and WT is extended.
- A voxel no target claims is background; no target is ever shrunk.

So a voxel's label is that of the smallest target that contains it, and each target of the
composed map (``targets.target_mask``) is the union of that target with the smaller ones.
"""

import numpy as np

from imaging.labels import LabelScheme, region_label
from segmentation.engine.targets import TARGET_LABELS, Target


def compose_targets(
    masks: dict[Target, np.ndarray], scheme: LabelScheme | str = LabelScheme.BRATS2023
) -> np.ndarray:
    """The uint8 BraTS label map (brats2020 or brats2023) of ET, TC and WT masks on one grid
    (non-zero = inside), nested by unions as the module says.

    >>> et, tc, wt = np.array([1, 0, 0, 0, 1]), np.array([0, 1, 0, 0, 0]), np.array([0, 1, 1, 0, 0])
    >>> compose_targets({Target.ET: et, Target.TC: tc, Target.WT: wt}, "brats2023").tolist()
    [3, 1, 2, 0, 3]
    """
    scheme = LabelScheme(scheme)
    if scheme not in TARGET_LABELS:
        glioma = ", ".join(s.value for s in TARGET_LABELS)
        raise ValueError(f"a composite needs a glioma label scheme ({glioma}), not {scheme.value}")
    missing = [t.value for t in Target if t not in masks]
    if missing:
        raise ValueError(f"a composite needs the ET, TC and WT masks; missing {', '.join(missing)}")
    shapes = {t.value: np.shape(masks[t]) for t in Target}
    if len(set(shapes.values())) != 1:
        raise ValueError(f"the target masks are not on one grid: shapes {shapes}")

    et = np.asarray(masks[Target.ET]) != 0
    tc = (np.asarray(masks[Target.TC]) != 0) | et
    wt = (np.asarray(masks[Target.WT]) != 0) | tc
    labels = np.zeros(et.shape, dtype=np.uint8)
    labels[wt] = region_label(scheme, "oedema")
    labels[tc] = region_label(scheme, "necrosis")
    labels[et] = region_label(scheme, "enhancing")
    return labels
