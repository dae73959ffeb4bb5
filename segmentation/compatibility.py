"""Whether the volumes of two AI results can be compared (EASE R-A9.4, R-A9.5). A result is
made by model versions (a composite by its parts'); two results compare when, lineage by
lineage (kind, target, disease), their versions are the same or lie in one compatibility group.
A version's group is set as it goes live (reviewer.validation.deployment): a validation that
found a volume change over 25 % on an accepted reference case starts a new one."""

from django.db.models import Q

from segmentation.models import ModelVersion, Segmentation


def model_versions(segmentation: Segmentation) -> list[ModelVersion]:
    """The versions that made a map: its own, or a composite's parts'."""
    if segmentation.source == Segmentation.Source.COMPOSITE:
        # .all(): the parts with their versions when prefetched (the viewer's manifest)
        return [part.model_version for part in segmentation.parts.all()]
    return [segmentation.model_version] if segmentation.model_version else []


def _lineage(version: ModelVersion) -> tuple:
    return version.kind, version.target, version.disease


def _compatible(a: ModelVersion, b: ModelVersion) -> bool:
    return a.pk == b.pk or (
        a.compatibility_group is not None and a.compatibility_group == b.compatibility_group
    )


def incompatibility(ours: Segmentation, theirs: Segmentation) -> str:
    """Why the two results' volumes cannot be compared ("" when they can): the versions, per
    lineage, that are neither the same nor in one compatibility group."""
    mine = {_lineage(v): v for v in model_versions(ours)}
    other = {_lineage(v): v for v in model_versions(theirs)}
    if not mine and not other:
        return ""
    if mine.keys() != other.keys():
        return "they were made by different models"
    differing = [
        (other[lineage], mine[lineage])
        for lineage in sorted(mine)
        if not _compatible(mine[lineage], other[lineage])
    ]
    return "; ".join(f"{_named(a)} against {_named(b)}" for a, b in differing)


def _named(version: ModelVersion) -> str:
    group = version.compatibility_group
    return f"{version} ({f'compatibility group {group}' if group else 'never live'})"


def prior_warnings(segmentation: Segmentation, *, priors=None, name_missing=True) -> list[str]:
    """One line per prior exam (of ``priors``, default all) whose segmentation by the same AI
    was made by incompatible model versions (neither the same nor in one compatibility group),
    or, with ``name_missing``, that this AI never segmented: their volumes cannot be compared
    with these (EASE R-A7.3, R-A9.5)."""
    exam = segmentation.exam
    if priors is None:
        priors = exam.patient.exams.filter(order__lt=exam.order).order_by("-order")
    if not model_versions(segmentation):
        return []
    if segmentation.source == Segmentation.Source.COMPOSITE:
        same_ai = Q(source=Segmentation.Source.COMPOSITE, family=segmentation.family)
    else:
        version = segmentation.model_version
        same_ai = Q(
            model_version__kind=version.kind,
            model_version__target=version.target,
            model_version__disease=version.disease,
        )
    warnings = []
    for prior in priors:
        # the prior's map by the same version when it has one (a validation run may have left
        # a candidate's map beside it), else its newest by this AI
        candidates = prior.segmentations.current().filter(same_ai).order_by("-pk")
        theirs = (
            candidates.filter(model_version=segmentation.model_version).first()
            if segmentation.model_version
            else None
        ) or candidates.first()
        if theirs is None:
            if name_missing:
                warnings.append(
                    f"Prior exam {prior.order} has no segmentation by this AI: "
                    "its volumes cannot be compared with these."
                )
            continue
        why = incompatibility(segmentation, theirs)
        if why:
            warnings.append(
                f"Prior exam {prior.order} was segmented by incompatible model versions ({why}): "
                "volumes cannot be compared; segment it again with this exam's versions."
            )
    return warnings
