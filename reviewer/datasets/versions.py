"""Making dataset versions and comparing them. The manifest is content: for each case (the
patient's pseudonym and the exam's order) the sha256 of every series and of the reference label,
and its strata (tumour group, site) where recorded. Its hash, over canonical JSON, names the
version's content: the same cases give the same hash, whoever makes them and wherever they are
imported. A case without strata has none in its entry, so versions made before strata were
recorded keep their hash."""

import dataclasses
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from reviewer.cases.models import Exam
from reviewer.datasets.models import DatasetCase, DatasetVersion, ReferenceDataset
from segmentation.models import Segmentation


class VersionError(ValueError):
    """A version that cannot be made, and why."""


STRATA = ("tumour_group", "site")


@dataclasses.dataclass(frozen=True)
class Strata:
    """What the QA admin recorded of a case for stratifying the evaluation (None: unknown)."""

    tumour_group: str | None = None
    site: str | None = None

    @classmethod
    def given(cls, tumour_group: str | None, site: str | None) -> "Strata":
        """From form or manifest input: stripped, and empty is unknown."""
        return cls(*((value or "").strip() or None for value in (tumour_group, site)))


@dataclasses.dataclass(frozen=True)
class Diff:
    added: list[str]
    removed: list[str]
    relabelled: list[str]  # the reference label changed
    reimaged: list[str]  # a series changed
    restratified: list[str]  # the tumour group or site changed

    @property
    def unchanged(self) -> bool:
        return not (
            self.added or self.removed or self.relabelled or self.reimaged or self.restratified
        )


def case_key(exam: Exam) -> str:
    return f"{exam.patient.pseudonym}/{exam.order}"


def manifest(version: DatasetVersion) -> list[dict]:
    """The version's cases as canonical entries, sorted by key."""
    return [
        {
            "case": c.key,
            "series": c.series_sha256,
            "label": c.label_sha256,
            **{name: getattr(c, name) for name in STRATA if getattr(c, name) is not None},
        }
        for c in version.cases.order_by("key")
    ]


def manifest_sha256(entries: list[dict]) -> str:
    canonical = json.dumps(
        sorted(entries, key=lambda e: e["case"]), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_version(
    dataset: ReferenceDataset, exams, *, user, labels=(), strata=None, note: str = ""
) -> DatasetVersion:
    """A new sealed version holding ``exams``, each with its reference label: the exam's
    imported reference, or one of ``labels`` (a reader's label of that exam, which is how a case
    is relabelled), and its strata: ``strata[exam.pk]`` where given, else what the latest
    version recorded of the case. Refused when an exam has no label, or when the cases are
    those of the latest version already."""
    exams = list(Exam.objects.filter(pk__in=[e.pk for e in exams]).select_related("patient"))
    if not exams:
        raise VersionError("a version needs at least one case")
    references = {
        s.exam_id: s
        for s in Segmentation.objects.filter(exam__in=exams, source=Segmentation.Source.REFERENCE)
    }
    for label in labels:
        if label.exam_id not in {e.pk for e in exams}:
            raise VersionError(f"label {label.pk} is of an exam not in the version")
        if label.source not in (Segmentation.Source.REFERENCE, Segmentation.Source.READER):
            raise VersionError(f"label {label.pk} is an AI's segmentation, not a reference")
        references[label.exam_id] = label
    missing = sorted(case_key(e) for e in exams if e.pk not in references)
    if missing:
        raise VersionError(f"no reference label for {', '.join(missing)}")
    with transaction.atomic():
        latest = dataset.versions.select_for_update().order_by("-number").first()
        recorded = _recorded_strata(latest, strata or {})
        version = DatasetVersion.objects.create(
            dataset=dataset, number=(latest.number + 1) if latest else 1, note=note, created_by=user
        )
        DatasetCase.objects.bulk_create(
            DatasetCase(
                version=version,
                exam=exam,
                reference=references[exam.pk],
                key=case_key(exam),
                series_sha256={s.sequence: s.sha256 for s in exam.series.all()},
                label_sha256=references[exam.pk].sha256,
                **dataclasses.asdict(recorded.get(exam.pk, Strata())),
            )
            for exam in exams
        )
        sha256 = manifest_sha256(manifest(version))
        if latest is not None and latest.sha256 == sha256:
            raise VersionError(f"no change: these cases are {latest} already")
        DatasetVersion.objects.filter(pk=version.pk).update(sha256=sha256, sealed_at=timezone.now())
    version.refresh_from_db()
    return version


def _recorded_strata(latest: DatasetVersion | None, given: dict[int, Strata]) -> dict:
    """exam pk -> strata: the given ones over those the latest version recorded."""
    before = {
        case.exam_id: Strata(case.tumour_group, case.site)
        for case in (latest.cases.all() if latest else [])
    }
    return {**before, **given}


def diff(old: DatasetVersion, new: DatasetVersion) -> Diff:
    """What changed from ``old`` to ``new``, case by case."""
    before = {e["case"]: e for e in manifest(old)}
    after = {e["case"]: e for e in manifest(new)}
    both = sorted(before.keys() & after.keys())
    return Diff(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        relabelled=[k for k in both if before[k]["label"] != after[k]["label"]],
        reimaged=[k for k in both if before[k]["series"] != after[k]["series"]],
        restratified=[k for k in both if any(before[k].get(n) != after[k].get(n) for n in STRATA)],
    )
