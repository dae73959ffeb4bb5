"""A label map as a DICOM Segmentation (highdicom), referencing the series it was made from, so
that a PACS viewer shows it over that series.

The label map lies on the exam's prepared grid, which is not the acquired series' grid (it is the
reference sequence's world resampled to 1 mm), so the SEG carries its own plane positions (a
highdicom Volume) and shares the acquired series' frame of reference. The referenced images are
stand-ins made from the stored header and instance UIDs: NeuroReview keeps no original DICOM
file. Whoever sends the SEG replaces the UIDs and patient attributes it carries (the
pseudonymised ones) with the originals at that moment.
"""

import dataclasses

import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from imaging.registration import LPS_FROM_RAS

MANUFACTURER = "NeuroReview"
# What each region of a label scheme is, in SNOMED CT (DICOM CID 7151/7153 codes).
REGION_CODES = {
    "necrosis": codes.SCT.Necrosis,
    "oedema": codes.SCT.Edema,
    "enhancing": codes.SCT.Neoplasm,
    "lesion": codes.SCT.Lesion,
}
# The header attributes the SEG copies from the images it references (patient, study, series).
COPIED = (
    "PatientID",
    "PatientName",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "StudyID",
    "AccessionNumber",
    "ReferringPhysicianName",
    "SeriesInstanceUID",
    "SOPClassUID",
    "FrameOfReferenceUID",
    "Modality",
)
# The image geometry highdicom looks at in what it references (the first slice's will do: the
# SEG's own planes come from its volume).
GEOMETRY = (
    "Rows",
    "Columns",
    "PixelSpacing",
    "SliceThickness",
    "ImageOrientationPatient",
    "ImagePositionPatient",
)


@dataclasses.dataclass(frozen=True)
class Algorithm:
    name: str
    version: str


READER_DRAWN = Algorithm("reader", "")  # a map a reader drew or corrected: no algorithm


def referenced_images(header: dict, instance_uids: list[str]) -> list[Dataset]:
    """Stand-ins for the series' images: its first slice's attributes (a JSON header keyed by
    keyword) with each instance's UID, one per distinct instance."""
    images = []
    for uid in dict.fromkeys(instance_uids):  # an Enhanced MR instance holds many slices
        image = Dataset()
        for keyword in COPIED:
            setattr(image, keyword, header.get(keyword, ""))
        for keyword in GEOMETRY:
            if keyword in header:
                setattr(image, keyword, header[keyword])
        name = str(image.PatientName or image.PatientID)
        # a pseudonym is one component; the caret says so (PS3.5 6.2)
        image.PatientName = name if "^" in name else f"{name}^"
        image.SOPInstanceUID = uid
        images.append(image)
    return images


def segmentation(
    label_map: np.ndarray,
    affine_ras: np.ndarray,
    regions: dict[int, str],
    images: list[Dataset],
    algorithm: Algorithm,
    *,
    series_number: int = 901,
) -> Dataset:
    """A binary SEG with one segment per region present in the map (``regions``: label value
    -> region name, a key of REGION_CODES), on the map's own grid. Made by ``algorithm``, or
    manually when it is READER_DRAWN."""
    present = [value for value in sorted(regions) if value and (label_map == value).any()]
    if not present:
        raise ValueError("the label map holds none of the regions: nothing to segment")
    stacked = np.stack([label_map == value for value in present], axis=-1).astype(np.uint8)
    volume = hd.Volume(
        stacked,
        LPS_FROM_RAS @ np.asarray(affine_ras, dtype=float),
        coordinate_system="PATIENT",
        frame_of_reference_uid=str(images[0].FrameOfReferenceUID),
        channels={"SegmentNumber": list(range(1, len(present) + 1))},
    )
    manual = algorithm == READER_DRAWN
    identification = None
    if not manual:
        identification = hd.AlgorithmIdentificationSequence(
            name=algorithm.name,
            family=codes.cid7162.ArtificialIntelligence,
            version=algorithm.version,
        )
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=number,
            segment_label=regions[value],
            segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
            segmented_property_type=REGION_CODES[regions[value]],
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL
            if manual
            else hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=identification,
        )
        for number, value in enumerate(present, start=1)
    ]
    return hd.seg.Segmentation(
        source_images=images,
        pixel_array=volume,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        series_instance_uid=generate_uid(),
        series_number=series_number,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        manufacturer_model_name=f"{algorithm.name} {algorithm.version}".strip()[:64],
        software_versions=algorithm.version or "none",
        device_serial_number="none",
        content_label="READER_SEG" if manual else "AI_SEG",
        content_description=f"{algorithm.name} {algorithm.version}".strip()[:64],
    )
