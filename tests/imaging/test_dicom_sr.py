"""A reviewed segmentation as a TID 1500 measurement report: valid (dciodvfy), the reader's
grade and verdicts as qualitative evaluations, volumes only beside an acceptable grade, region
volumes referencing the SEG's segments."""

import highdicom as hd
import pytest

from imaging.dicom_seg import Algorithm, referenced_images, segmentation
from imaging.dicom_sr import Findings, Grade, LesionFinding, measurement_report
from tests.imaging.test_dicom_seg import REGIONS, acquired, label_map  # noqa: F401 (fixtures)
from tests.pacs.dciodvfy import dciodvfy_errors
from tests.pacs.sr_content import sr_items

UNET = Algorithm("unet-wt", "1.0")
ACCEPTED = Grade(acceptable=True, scale="ease", value=4, label="4 Good")
REJECTED = Grade(acceptable=False, scale="ease", value=2, label="2 Poor")


@pytest.fixture
def made(acquired, label_map):  # noqa: F811
    _, header, uids = acquired
    images = referenced_images(header, uids)
    labels, affine = label_map
    seg = segmentation(labels, affine, REGIONS, images, UNET)

    def report(findings: Findings):
        return measurement_report(findings, seg, images)

    return report


def findings(grade=ACCEPTED, volumes=None, lesions=()) -> Findings:
    return Findings(UNET, "Dr Reader", grade, volumes, list(lesions))


def test_the_report_passes_dciodvfy(made, tmp_path):
    sr = made(findings(volumes={"oedema": 12.5, "WT": 14.0}))
    sr.save_as(tmp_path / "sr.dcm", enforce_file_format=True)

    assert dciodvfy_errors(tmp_path / "sr.dcm") == []


def test_the_grade_and_acceptability_are_qualitative_evaluations(made):
    content = sr_items(made(findings()))

    assert ("Segmentation acceptable", "Yes") in content
    assert ("EASE quality grade", "4 Good") in content


def test_each_lesion_carries_the_readers_verdict(made):
    lesions = [
        LesionFinding("lesion 1", "accepted", 3.0),
        LesionFinding("lesion 2", "rejected", 0.5),
        LesionFinding("lesion 3", "undecided", 0.2),
        LesionFinding("added lesion 1", "added", None),
    ]

    content = sr_items(made(findings(lesions=lesions)))

    verdicts = [value for name, value in content if name == "Reader verdict on the lesion"]
    assert verdicts == [
        "Accepted by the reader",
        "Rejected by the reader",
        "Not judged by the reader",
        "Added by the reader (missed by the AI)",
    ]


def test_region_volumes_reference_the_segs_segments(made):
    sr = made(findings(volumes={"oedema": 12.5, "enhancing": 1.5, "WT": 14.0}))

    report = hd.sr.Comprehensive3DSR.from_dataset(sr)
    groups = report.content.get_volumetric_roi_measurement_groups()
    segments = {
        g.tracking_identifier: g.referenced_segment.referenced_segment_numbers for g in groups
    }
    volumes = {g.tracking_identifier: g.get_measurements()[0].value for g in groups}
    assert segments == {"oedema": [2], "enhancing": [3]}
    assert volumes == {"oedema": 12.5, "enhancing": 1.5}


def test_the_model_version_is_the_device_observer(made):
    content = sr_items(made(findings()))

    assert ("Device Observer Name", "unet-wt") in content
    assert ("Device Observer Model Name", "1.0") in content


def test_an_unacceptable_segmentation_carries_no_volume(made):
    lesion = LesionFinding("lesion 1", "undecided", None)

    content = sr_items(made(findings(grade=REJECTED, lesions=[lesion])))

    assert not [name for name, _ in content if name == "Volume"]
    assert ("Segmentation acceptable", "No") in content


def test_a_volume_beside_an_unacceptable_grade_is_refused():
    with pytest.raises(ValueError, match="carries no volume"):
        findings(grade=REJECTED, volumes={"oedema": 12.5})
