"""MRQy-style quality features (spec B8, R-B8) on synthetic volumes whose answers are known in
closed form: checkerboards (exact means and SDs of regions and 5 × 5 patches), a uniform box
(PSNR from its median-eroded corners, EFC from its entropy), Gaussian background noise, and an
Otsu head mask."""

import math

import numpy as np
import pytest

from imaging.quality import FEATURES, otsu_foreground, quality_features

C, D, S = 100.0, 10.0, 4.0  # foreground level and amplitude, background amplitude
SIDE, BOX = 32, slice(8, 24)  # a 16 × 16 head in a 32 × 32 slice
PATCH_SD = math.sqrt(624 / 625)  # ±1 checkerboard patch: 13 of one sign, 12 of the other


def head_mask(slices: int = 3) -> np.ndarray:
    mask = np.zeros((SIDE, SIDE, slices), bool)
    mask[BOX, BOX] = True
    return mask


def checkerboard_volume(slices: int = 3) -> np.ndarray:
    """C ± D on the head and ±S around it; every sign is balanced, so each region's mean and SD
    are exactly C, D and 0, S. The brightest fitting voxels are the first + squares in raster
    order, so each patch holds 13 + and 12 −: mean C + D/25 (S/25), SD D·√(624/625)."""
    i, j = np.indices((SIDE, SIDE))
    sign = np.where((i + j) % 2 == 0, 1.0, -1.0)
    plane = np.where(head_mask(1)[..., 0], C + D * sign, S * sign)
    return np.repeat(plane[..., None], slices, axis=-1)


def test_first_order_foreground_features_of_a_checkerboard_are_exact():
    features = quality_features(checkerboard_volume(), head_mask())
    assert features["MEAN"] == pytest.approx(C)
    assert features["RNG"] == pytest.approx(2 * D)
    assert features["VAR"] == pytest.approx(D**2)
    assert features["CV"] == pytest.approx(100 * D / C)


def test_whole_region_ratios_of_a_checkerboard_are_exact():
    features = quality_features(checkerboard_volume(), head_mask())
    assert features["SNR1"] == pytest.approx(D / S)
    assert features["CJV"] == pytest.approx((D + S) / C)


def test_patch_ratios_of_a_checkerboard_are_exact():
    features = quality_features(checkerboard_volume(), head_mask())
    patch_mean = C + D / 25
    assert features["SNR2"] == pytest.approx(patch_mean / S)
    assert features["SNR3"] == pytest.approx(patch_mean / (D * PATCH_SD))
    assert features["SNR4"] == pytest.approx(patch_mean / (S * PATCH_SD))
    assert features["CNR"] == pytest.approx((patch_mean - S / 25) / (S * PATCH_SD))
    assert features["CVP"] == pytest.approx(D * PATCH_SD / patch_mean)


def uniform_box(slices: int = 2) -> np.ndarray:
    return np.where(head_mask(slices), C, 0.0)


def test_psnr_of_a_uniform_box_counts_the_corners_the_median_filter_erodes():
    # A 5 × 5 window keeps a voxel when ≥ 13 of its 25 are in the box: at each corner the
    # voxel itself (9 inside) and its two edge neighbours (12) fall to 0. 12 voxels of error C
    # in 32 × 32: PSNR = 20 log10(C / √(12 C² / 1024)) = 10 log10(1024 / 12)
    features = quality_features(uniform_box(), head_mask(2))
    assert features["PSNR"] == pytest.approx(10 * math.log10(SIDE**2 / 12))


def test_efc_of_a_uniform_box_is_its_entropy_over_the_maximum():
    # n equal voxels of N: EFC = √n ln √n / (√N ln √N) = 16 ln 16 / (32 ln 32) = 0.4
    assert quality_features(uniform_box(), head_mask(2))["EFC"] == pytest.approx(0.4)


def test_efc_is_one_for_a_uniform_slice_and_zero_for_a_single_bright_voxel():
    uniform = quality_features(np.full((8, 8, 1), 5.0), np.ones((8, 8, 1)))
    point = np.zeros((8, 8, 1))
    point[3, 3] = 5.0
    single = quality_features(point, point > 0)
    assert (uniform["EFC"], single["EFC"]) == pytest.approx((1.0, 0.0))


def test_a_uniform_foreground_has_no_snr3_rather_than_an_infinite_one():
    features = quality_features(uniform_box(), head_mask(2))
    assert features["SNR3"] is None  # its patch SD is 0
    assert features["CVP"] == 0.0


def test_snr2_and_cjv_of_gaussian_background_noise_approach_their_expected_values():
    rng = np.random.default_rng(0)
    mask = np.zeros((64, 64, 8), bool)
    mask[16:48, 16:48] = True
    sigma = 5.0
    volume = np.where(mask, C, rng.normal(0.0, sigma, mask.shape))
    features = quality_features(volume, mask)
    assert features["SNR2"] == pytest.approx(C / sigma, rel=0.03)
    assert features["CJV"] == pytest.approx(sigma / C, rel=0.03)


def test_features_are_the_mean_over_slices():
    volume = np.concatenate([checkerboard_volume(1), 2 * checkerboard_volume(1)], axis=-1)
    assert quality_features(volume, head_mask(2))["MEAN"] == pytest.approx(1.5 * C)


def test_slices_without_foreground_are_skipped_and_undefined_features_are_none():
    volume = checkerboard_volume(2)
    mask = head_mask(2)
    mask[..., 1] = False
    assert quality_features(volume, mask)["MEAN"] == pytest.approx(C)
    empty = quality_features(volume, np.zeros_like(mask))
    assert empty == dict.fromkeys(FEATURES)


def noisy_head(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A bright head with a dark ventricle inside it, on a dark noisy background."""
    head = np.zeros((40, 40, 4), bool)
    head[8:32, 10:30] = True
    volume = np.where(
        head, 300.0 + rng.normal(0, 10, head.shape), np.abs(rng.normal(0, 10, head.shape))
    )
    volume[16:22, 17:23] = np.abs(rng.normal(0, 10, (6, 6, 4)))  # the ventricle
    return volume, head


def test_the_otsu_foreground_is_the_bright_head_with_its_holes_filled():
    volume, head = noisy_head(np.random.default_rng(1))
    assert np.array_equal(otsu_foreground(volume), head)


def test_without_a_mask_the_features_use_the_otsu_foreground():
    volume, head = noisy_head(np.random.default_rng(2))
    assert quality_features(volume) == quality_features(volume, head)


def test_the_slice_axis_can_be_chosen():
    volume, mask = checkerboard_volume(3), head_mask(3)
    moved = quality_features(np.moveaxis(volume, -1, 0), np.moveaxis(mask, -1, 0), axis=0)
    assert moved == quality_features(volume, mask)
