"""The eight volumetric ratio features of the radiogenomics paper (spec
node-and-radiogenomics.md §D2, l.495-518; paper 003 Table 1, l.1047-1075), on a glioma label map.

Plain numpy, no Django. Volumes (l.499-501): V_ET, V_ED, V_NCR are the voxel counts of the
enhancing, oedema and necrosis regions times the voxel volume; V_TC = V_ET + V_NCR and
V_WT = V_ET + V_ED + V_NCR. The features are ratios, so the voxel volume cancels and they are
computed from the counts exactly. A ratio whose denominator is zero is None with a reason, never
inf (l.518): researchers choose their own imputation.
"""

from dataclasses import dataclass

import numpy as np

from imaging.labels import LabelScheme, region_label

# (column, numerator, denominator): spec l.505-512, in the paper's order
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("f1_et_ncr", "ET", "NCR"),
    ("f2_et_tc", "ET", "TC"),
    ("f3_et_ed", "ET", "ED"),
    ("f4_et_wt", "ET", "WT"),
    ("f5_ed_ncr", "ED", "NCR"),
    ("f6_ed_tc", "ED", "TC"),
    ("f7_ed_wt", "ED", "WT"),
    ("f8_ncr_wt", "NCR", "WT"),
)
FEATURE_NAMES = tuple(name for name, _, _ in FEATURES)
REGIONS = ("ET", "ED", "NCR", "TC", "WT")
GLIOMA_SCHEMES = (LabelScheme.BRATS2020, LabelScheme.BRATS2023)


@dataclass(frozen=True)
class RegionVolumes:
    """Voxel counts of the three disjoint sub-regions, and the volume of one voxel in mm³."""

    enhancing: int
    oedema: int
    necrosis: int
    voxel_mm3: float = 1.0

    def voxels(self) -> dict[str, int]:
        """V_ET, V_ED, V_NCR, and the sums V_TC and V_WT (spec l.499-501), in voxels."""
        return {
            "ET": self.enhancing,
            "ED": self.oedema,
            "NCR": self.necrosis,
            "TC": self.enhancing + self.necrosis,
            "WT": self.enhancing + self.oedema + self.necrosis,
        }

    def mm3(self) -> dict[str, float]:
        return {region: count * self.voxel_mm3 for region, count in self.voxels().items()}


@dataclass(frozen=True)
class RatioFeatures:
    """The eight ratios by column name (None where undefined) and why each undefined one is."""

    values: dict[str, float | None]
    null_reasons: dict[str, str]


def region_volumes(
    labels: np.ndarray, spacing_mm: tuple[float, float, float], scheme: LabelScheme | str
) -> RegionVolumes:
    """The sub-region counts of a BraTS label map (either scheme: ET is 4 in 2020, 3 later)."""
    scheme = LabelScheme(scheme)
    if scheme not in GLIOMA_SCHEMES:
        raise ValueError(f"the ratio features need a glioma label map, not {scheme.value}")
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    count = dict(zip(values.tolist(), counts.tolist(), strict=True))
    return RegionVolumes(
        enhancing=count.get(region_label(scheme, "enhancing"), 0),
        oedema=count.get(region_label(scheme, "oedema"), 0),
        necrosis=count.get(region_label(scheme, "necrosis"), 0),
        voxel_mm3=float(np.prod(spacing_mm)),
    )


def ratio_features(volumes: RegionVolumes) -> RatioFeatures:
    """Features 1-8 (spec l.505-512); a zero denominator gives None and the reason (l.518)."""
    voxels = volumes.voxels()
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name, numerator, denominator in FEATURES:
        if voxels[denominator] == 0:
            values[name] = None
            reasons[name] = f"V_{denominator} = 0"
        else:
            values[name] = voxels[numerator] / voxels[denominator]
    return RatioFeatures(values=values, null_reasons=reasons)
