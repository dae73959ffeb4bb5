"""What a reader made of a segmentation, gathered for what goes to the PACS: the current
assessment, the current lesion verdicts, the volumes (only when the segmentation was found
acceptable, EASE R-A6.6) and whether its model versions can be compared with the priors'."""

from imaging.dicom_seg import Algorithm
from imaging.dicom_sr import Findings, Grade, LesionFinding
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.scales import SCALES
from reviewer.grading.volumes import region_volumes
from segmentation.compatibility import model_versions
from segmentation.models import Segmentation


class NotSendable(ValueError):
    """A result that cannot go to a PACS, and why."""


def current_assessment(segmentation: Segmentation) -> Assessment:
    newer = Segmentation.objects.filter(replaces=segmentation).first()
    if newer is not None:
        raise NotSendable(
            f"segmentation {segmentation.pk} was replaced by segmentation {newer.pk} when the "
            "exam was segmented again: send that one"
        )
    current = Assessment.objects.filter(segmentation=segmentation).current_by_segmentation()
    if segmentation.pk not in current:
        raise NotSendable("grade the segmentation before it goes to the PACS")
    return current[segmentation.pk]


def algorithm(segmentation: Segmentation) -> Algorithm:
    """The AI that made the map: its model version, or a composite's part versions."""
    versions = model_versions(segmentation)
    if segmentation.source == Segmentation.Source.COMPOSITE:
        name = f"{segmentation.get_family_display()} composite"
        return Algorithm(name, ", ".join(sorted(str(v) for v in versions)))
    if versions:
        return Algorithm(versions[0].name, versions[0].version)
    return Algorithm(segmentation.get_source_display(), "")


def grade(assessment: Assessment) -> Grade:
    value = assessment.grade if assessment.scale == Assessment.Scale.EASE else assessment.four_level
    level = next(lv for lv in SCALES[assessment.scale].levels if lv.value == value)
    return Grade(assessment.acceptable, assessment.scale, value, f"{value} {level.label}")


def findings(segmentation: Segmentation, assessment: Assessment) -> Findings:
    acceptable = assessment.acceptable
    volumes = None
    if acceptable:
        volumes = {v.region: v.volume_ml for v in region_volumes([segmentation])[segmentation.pk]}
    return Findings(
        algorithm=algorithm(segmentation),
        reader=assessment.reader.get_full_name() or assessment.reader.username,
        grade=grade(assessment),
        region_volumes_ml=volumes,
        lesions=lesion_findings(segmentation, with_volumes=acceptable),
    )


def lesion_findings(segmentation: Segmentation, *, with_volumes: bool) -> list[LesionFinding]:
    """The listed lesions, largest first, each with the reader's current verdict, then the
    lesions the reader added."""
    current = LesionVerdict.objects.filter(
        segmentation=segmentation, superseded_by__isnull=True
    ).exclude(decision=LesionVerdict.Decision.WITHDRAWN)
    by_lesion = {v.lesion_id: v.decision for v in current if v.lesion_id is not None}
    listed = [
        LesionFinding(
            name=f"lesion {lesion.index}",
            verdict=by_lesion.get(lesion.pk, "undecided"),
            volume_ml=lesion.volume_ml if with_volumes else None,
        )
        for lesion in segmentation.lesions.filter(below_minimum=False)
    ]
    added = [
        LesionFinding(name=f"added lesion {number}", verdict="added", volume_ml=None)
        for number, _ in enumerate(
            current.filter(decision=LesionVerdict.Decision.ADDED).order_by("pk"), start=1
        )
    ]
    return listed + added
