"""A label map on an exam's prepared grid as a DICOM SEG over the acquired series it was made
from: valid (dciodvfy), in that series' study and frame of reference, one segment per region
with its code, and its voxels where the map had them."""

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.sr.codedict import codes

from imaging.dicom_seg import Algorithm, referenced_images, segmentation
from imaging.dicom_series import read_dicom_tree
from tests.imaging.dicom_builders import write_series
from tests.pacs.dciodvfy import dciodvfy_errors

REGIONS = {1: "necrosis", 2: "oedema", 4: "enhancing"}


@pytest.fixture
def acquired(tmp_path):
    """A written MR series, read as the importer reads it: its header and instance UIDs."""
    write_series(tmp_path / "t1ce", description="AX T1 POST GD")
    [series] = read_dicom_tree(tmp_path).series
    header = {element.keyword: element.value for element in series.first_dataset if element.keyword}
    return series, header, [uid for uid, _ in series.instances]


@pytest.fixture
def label_map():
    """A tumour on a 1 mm RAS grid of its own (not the series' grid)."""
    labels = np.zeros((24, 24, 12), np.uint8)
    labels[6:18, 6:18, 3:9] = 2
    labels[9:15, 9:15, 4:8] = 4
    labels[11:13, 11:13, 5:7] = 1
    affine = np.eye(4)
    affine[:3, 3] = [-12.0, -12.0, -6.0]
    return labels, affine


@pytest.fixture
def written(acquired, label_map, tmp_path):
    _, header, uids = acquired
    labels, affine = label_map
    seg = segmentation(
        labels, affine, REGIONS, referenced_images(header, uids), Algorithm("unet-wt", "1.0")
    )
    path = tmp_path / "seg.dcm"
    seg.save_as(path, enforce_file_format=True)
    return path


def test_the_seg_passes_dciodvfy(written):
    assert dciodvfy_errors(written) == []


def test_the_seg_references_the_series_in_its_study_and_frame_of_reference(acquired, written):
    series, header, uids = acquired

    seg = pydicom.dcmread(written)

    assert seg.StudyInstanceUID == series.study_uid
    assert seg.FrameOfReferenceUID == header["FrameOfReferenceUID"]
    [referenced] = seg.ReferencedSeriesSequence
    assert referenced.SeriesInstanceUID == series.series_uid
    assert sorted(i.ReferencedSOPInstanceUID for i in referenced.ReferencedInstanceSequence) == (
        sorted(uids)
    )


def test_each_region_present_is_a_segment_with_its_code(written):
    seg = hd.seg.segread(written)

    labels = [s.SegmentLabel for s in seg.SegmentSequence]
    types = [s.SegmentedPropertyTypeCodeSequence[0].CodeValue for s in seg.SegmentSequence]
    assert labels == ["necrosis", "oedema", "enhancing"]
    assert types == [codes.SCT.Necrosis.value, codes.SCT.Edema.value, codes.SCT.Neoplasm.value]


def test_each_segment_holds_the_voxels_of_its_region(written, label_map):
    labels, _ = label_map

    volume = hd.seg.segread(written).get_volume(combine_segments=False)

    counts = volume.array.reshape(-1, volume.array.shape[-1]).sum(axis=0)
    assert counts.tolist() == [int((labels == v).sum()) for v in (1, 2, 4)]


def test_a_map_without_any_region_is_refused(acquired, label_map):
    _, header, uids = acquired
    labels, affine = label_map

    with pytest.raises(ValueError, match="holds none of the regions"):
        segmentation(
            np.zeros_like(labels), affine, REGIONS, referenced_images(header, uids),
            Algorithm("unet-wt", "1.0"),
        )  # fmt: skip
