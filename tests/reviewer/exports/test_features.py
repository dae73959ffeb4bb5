"""The eight volumetric ratio features (spec node-and-radiogenomics.md §D2, l.495-518) against
values computed by hand on tiny label maps."""

import numpy as np
import pytest

from reviewer.exports.features import (
    FEATURE_NAMES,
    RegionVolumes,
    ratio_features,
    region_volumes,
)


def brats2020_map() -> np.ndarray:
    """ET (4): 6 voxels, ED (2): 10 voxels, NCR (1): 4 voxels, in a 4x4x3 grid."""
    labels = np.zeros((4, 4, 3), dtype=np.uint8)
    labels.flat[:6] = 4
    labels.flat[6:16] = 2
    labels.flat[16:20] = 1
    return labels


def test_region_volumes_count_each_region_of_a_brats2020_map_and_scale_by_the_voxel():
    volumes = region_volumes(brats2020_map(), (1.5, 1.5, 2.0), "brats2020")
    assert (volumes.enhancing, volumes.oedema, volumes.necrosis) == (6, 10, 4)
    # spec l.499-501: V_TC = V_ET + V_NCR, V_WT = V_ET + V_ED + V_NCR; 1.5*1.5*2 = 4.5 mm³
    assert volumes.voxels() == {"ET": 6, "ED": 10, "NCR": 4, "TC": 10, "WT": 20}
    assert volumes.mm3()["WT"] == pytest.approx(90.0)


def test_region_volumes_read_enhancing_as_label_3_in_the_brats2023_scheme():
    labels = brats2020_map()
    labels[labels == 4] = 3
    assert region_volumes(labels, (1, 1, 1), "brats2023").enhancing == 6


def test_region_volumes_refuse_a_lesion_map():
    with pytest.raises(ValueError, match="glioma"):
        region_volumes(np.ones((2, 2, 2), dtype=np.uint8), (1, 1, 1), "lesion")


def test_the_eight_ratios_match_table_1_computed_by_hand():
    features = ratio_features(region_volumes(brats2020_map(), (1.5, 1.5, 2.0), "brats2020"))
    # spec l.505-512 with ET 6, ED 10, NCR 4, TC 10, WT 20 (voxel volume cancels)
    assert features.values == {
        "f1_et_ncr": pytest.approx(6 / 4),
        "f2_et_tc": pytest.approx(6 / 10),
        "f3_et_ed": pytest.approx(6 / 10),
        "f4_et_wt": pytest.approx(6 / 20),
        "f5_ed_ncr": pytest.approx(10 / 4),
        "f6_ed_tc": pytest.approx(10 / 10),
        "f7_ed_wt": pytest.approx(10 / 20),
        "f8_ncr_wt": pytest.approx(4 / 20),
    }
    assert features.null_reasons == {}


def test_no_necrosis_makes_features_1_and_5_null_with_their_reason():
    # spec l.518: V_NCR = 0 makes features 1 and 5 undefined
    features = ratio_features(RegionVolumes(enhancing=3, oedema=5, necrosis=0))
    assert features.values["f1_et_ncr"] is None and features.values["f5_ed_ncr"] is None
    assert features.null_reasons == {"f1_et_ncr": "V_NCR = 0", "f5_ed_ncr": "V_NCR = 0"}
    assert features.values["f2_et_tc"] == pytest.approx(1.0)


def test_no_oedema_makes_feature_3_null():
    features = ratio_features(RegionVolumes(enhancing=3, oedema=0, necrosis=2))
    assert features.null_reasons == {"f3_et_ed": "V_ED = 0"}
    assert features.values["f7_ed_wt"] == 0.0


def test_no_enhancing_tumour_sets_features_1_to_4_to_zero_not_null():
    # spec l.518: LGG with V_ET = 0 gives 0 for features 1-4 while their denominators are not 0
    features = ratio_features(RegionVolumes(enhancing=0, oedema=5, necrosis=2))
    assert [features.values[name] for name in FEATURE_NAMES[:4]] == [0.0, 0.0, 0.0, 0.0]
    assert features.null_reasons == {}


def test_no_tumour_core_makes_features_1_2_5_6_null():
    # V_TC = 0 means V_ET = V_NCR = 0: features 2 and 6 (V_TC), 1 and 5 (V_NCR)
    features = ratio_features(RegionVolumes(enhancing=0, oedema=5, necrosis=0))
    assert features.null_reasons == {
        "f1_et_ncr": "V_NCR = 0",
        "f2_et_tc": "V_TC = 0",
        "f5_ed_ncr": "V_NCR = 0",
        "f6_ed_tc": "V_TC = 0",
    }
    assert features.values["f7_ed_wt"] == 1.0


def test_an_empty_map_makes_every_ratio_null_and_none_infinite():
    features = ratio_features(region_volumes(np.zeros((3, 3, 3)), (1, 1, 1), "brats2020"))
    assert features.values == dict.fromkeys(FEATURE_NAMES)
    assert features.null_reasons["f4_et_wt"] == "V_WT = 0"
    assert features.null_reasons["f3_et_ed"] == "V_ED = 0"
