"""Clinical alarms in the database: a patient's exams measured from their composite segmentations
(one per exam and model family, BraTS labels) and their new-lesion detections (segmentations of
a model version of kind "subtraction": their lesions are the exam's new lesions against its
prior), the rules of the current RuleConfiguration applied (reviewer.alarms.rules), and each
exam's clinical alarms synced.

A composite is compared with the composites of the same family on the two nearest earlier exams
that have one. Volumes count the listed lesions only: the components below the minimum volume
are what the many-components rule counts, and thousands of specks would otherwise add up to a
volume nobody sees."""

from typing import NamedTuple

from django.db.models import Count, Q

from imaging.geometry import Geometry
from imaging.labels import LabelScheme
from reviewer.alarms.models import RuleConfiguration
from reviewer.alarms.rules import (
    CLINICAL_KINDS,
    ClinicalRules,
    ComponentCount,
    NewLesion,
    RegionVolume,
)
from reviewer.alarms.sync import Finding, sync_alarms
from reviewer.cases.models import Exam, Patient, Series
from segmentation import lesion_overlaps
from segmentation.engine.targets import TARGET_LABELS, target_labels
from segmentation.models import Lesion, ModelVersion, Segmentation
from segmentation.segmentations import listed_lesions
from segmentation.volumes import label_volumes

PRIORS = 2  # EASE compares the current exam with two priors


def evaluate_patient(patient: Patient) -> None:
    """Evaluate the clinical rules on every exam of the patient: an exam's alarms depend on its
    priors, so a newly segmented exam may change those of the exams after it."""
    configuration = RuleConfiguration.objects.current()
    rules = ClinicalRules.of(configuration)
    exams = list(Exam.objects.filter(patient=patient).order_by("order"))
    composites = list(
        _counted(Segmentation.objects.current().filter(source="composite")).filter(
            exam__patient=patient
        )
    )
    detections = list(
        _counted(Segmentation.objects.filter(source="model"))
        .filter(exam__patient=patient, model_version__kind=ModelVersion.Kind.SUBTRACTION)
        .select_related("model_version")
    )
    grids = _grids(exams)
    region = rules.growth.region if rules.growth else None
    volumes = _volumes(composites, exams, region)
    new_lesions = _new_lesions(detections, rules)
    by_exam_and_family = {(s.exam_id, s.family): s for s in composites}
    haemorrhage = rules.haemorrhage if patient.disease in rules.haemorrhage_diseases else None
    for position, exam in enumerate(exams):
        findings: list[Finding] = []
        for composite in (s for s in composites if s.exam_id == exam.pk):
            family = composite.get_family_display()
            priors = [
                by_exam_and_family[earlier.pk, composite.family]
                for earlier in reversed(exams[:position])
                if (earlier.pk, composite.family) in by_exam_and_family
            ][:PRIORS]
            if rules.growth and priors:
                findings.append(
                    rules.growth.evaluate(
                        volumes[composite.pk].region,
                        [volumes[prior.pk].region for prior in priors],
                        family,
                    )
                )
            if rules.new_tumour_lesion and priors and _share_grid(grids, composite, priors[0]):
                findings.append(
                    rules.new_tumour_lesion.evaluate(
                        composite.pk,
                        family,
                        volumes[priors[0].pk].total,
                        _unmatched_lesions(composite, priors[0]),
                        composite.minimum_lesion_ml,
                    )
                )
            if haemorrhage and priors:
                findings.append(
                    haemorrhage.evaluate(
                        volumes[composite.pk].total, volumes[priors[0].pk].total, family
                    )
                )
            if rules.many_components:
                findings.append(rules.many_components.evaluate(_components(composite), family))
        for detection in (s for s in detections if s.exam_id == exam.pk):
            name = str(detection.model_version)
            if rules.new_activity:
                findings.append(
                    rules.new_activity.evaluate(detection.pk, new_lesions[detection.pk])
                )
            if rules.many_components:
                findings.append(rules.many_components.evaluate(_components(detection), name))
        sync_alarms(
            exam.pk,
            [finding for finding in findings if finding is not None],
            kinds=CLINICAL_KINDS,
            rule_configuration=configuration,
        )


def evaluate_all(progress=None) -> int:
    """Evaluate every patient who has composites or new-lesion detections (after the rules
    changed); ``progress(done, total, message)``. Returns the number of patients."""
    patients = list(
        Patient.objects.filter(
            Q(exams__segmentations__source="composite")
            | Q(exams__segmentations__model_version__kind=ModelVersion.Kind.SUBTRACTION)
        )
        .distinct()
        .order_by("pseudonym")
    )
    for done, patient in enumerate(patients):
        if progress:
            progress(done, len(patients), patient.pseudonym)
        evaluate_patient(patient)
    return len(patients)


class _Volumes(NamedTuple):
    region: RegionVolume  # the growth rule's region
    total: RegionVolume  # every label


def _counted(segmentations):
    return segmentations.annotate(
        listed=Count("lesions", filter=Q(lesions__below_minimum=False)),
        below=Count("lesions", filter=Q(lesions__below_minimum=True)),
    )


def _components(segmentation: Segmentation) -> ComponentCount:
    return ComponentCount(
        segmentation.pk, segmentation.listed, segmentation.below, segmentation.minimum_lesion_ml
    )


def _volumes(composites, exams: list[Exam], region: str | None) -> dict[int, _Volumes]:
    """Per composite: the growth region's volume and the total volume of its listed lesions."""
    composition = label_volumes(composites, listed_only=True)
    exam_of = {exam.pk: exam for exam in exams}
    volumes = {}
    for composite in composites:
        exam, by_label = exam_of[composite.exam_id], composition[composite.pk]
        date = exam.date.isoformat() if exam.date else None

        def measured(labels, exam=exam, composite=composite, by_label=by_label, date=date):
            volume = sum(ml for label, ml in by_label.items() if labels is None or label in labels)
            return RegionVolume(exam.pk, exam.order, date, composite.pk, volume)

        region_labels = _region_labels(region, composite.label_scheme)
        volumes[composite.pk] = _Volumes(measured(region_labels), measured(None))
    return volumes


def _region_labels(region: str | None, scheme: str) -> frozenset[int] | None:
    """The labels a target region is made of; None (every label) outside the BraTS schemes."""
    if region is None or LabelScheme(scheme) not in TARGET_LABELS:
        return None
    return target_labels(region, scheme)


def _new_lesions(detections, rules: ClinicalRules) -> dict[int, list[NewLesion]]:
    """Per detection, its lesions the new-activity rule may count, largest first."""
    found: dict[int, list[NewLesion]] = {detection.pk: [] for detection in detections}
    if not rules.new_activity or not detections:
        return found
    larger = Lesion.objects.filter(
        segmentation__in=detections, volume_ml__gt=rules.new_activity.minimum_mm3 / 1000.0
    ).order_by("segmentation", "index")
    for lesion in larger.only("segmentation_id", "index", "volume_ml", "centroid_mm"):
        found[lesion.segmentation_id].append(
            NewLesion(lesion.pk, lesion.index, lesion.volume_ml * 1000.0, lesion.centroid_mm)
        )
    return found


def _grids(exams: list[Exam]) -> dict[int, Geometry]:
    """Each exam's voxel grid (all its series share it)."""
    return {
        series.exam_id: Geometry.from_ras(series.affine, series.shape)
        for series in Series.objects.filter(exam__in=exams).order_by("exam", "-sequence")
    }


def _share_grid(grids: dict[int, Geometry], composite, prior) -> bool:
    here, there = grids.get(composite.exam_id), grids.get(prior.exam_id)
    return here is not None and there is not None and here.same_grid(there)


def _unmatched_lesions(composite: Segmentation, prior: Segmentation) -> list[NewLesion]:
    """The composite's listed lesions that share no voxel with a listed lesion of the prior
    composite (a lesion whose only counterpart was a speck below the minimum is new), largest
    first. The two share a grid."""
    pairs = lesion_overlaps.overlap_pairs(composite, prior, keep=True)
    listed_there = set(listed_lesions().filter(segmentation=prior).values_list("index", flat=True))
    matched = {int(here) for here, there in pairs.tolist() if there in listed_there}
    unmatched = (
        listed_lesions()
        .filter(segmentation=composite)
        .exclude(index__in=matched)
        .order_by("-volume_ml", "index")
    )
    return [
        NewLesion(lesion.pk, lesion.index, lesion.volume_ml * 1000.0, lesion.centroid_mm)
        for lesion in unmatched.only("index", "volume_ml", "centroid_mm")
    ]
