"""The clinical alarm rules: what each one raises from measured volumes and lesions, with the
parameters of one RuleConfiguration version. Nothing here reads the database
(reviewer.alarms.clinical measures and stores); each rule returns a Finding or None, and every
finding's evidence holds the measurements and the parameters it was computed with.

- Growth: a region's volume (WT, the whole tumour, by default, as EASE measures it) grew by at
  least ``percent`` against either of the two priors (EASE compares the current exam with two
  priors; +40 % in volume is RANO's +25 % in 2D, spec ease-and-evaluation.md A8). A current
  volume under ``minimum_ml`` raises nothing: a 0.1 → 0.2 mL speck doubles without meaning
  progression. A region absent at a prior (0 mL) and present now has grown ("appeared").
- New activity (MS): at least one lesion of the exam's new-lesion detection strictly larger than
  ``minimum_mm3`` (the MS CAD's "larger than 12 mm3"). The CAD's gadolinium flag is the same
  condition (spec ms-workflows.md B-FLAG-01), so one alarm says both.
- New lesion (glioma): a listed lesion of a model family's composite that shares no voxel with a
  listed lesion of the same family's composite on the nearest earlier exam (RANO: a new lesion
  is progression, whatever the volumes do). It is on whenever new activity is, and is compared
  only where the two exams share a voxel grid: this layer registers nothing.
- Haemorrhage expansion: against the previous exam, an increase of at least ``ml`` or at least
  ``percent`` (the ICH paper's ≥ 6 mL or ≥ 33 %, spec AT-12). From 0 mL only the absolute
  criterion applies: a bleed where there was none is not a relative expansion.
- Many components: more than ``count`` components in one segmentation, listed and below the
  minimum volume together: possible false positives.

Changes are compared after rounding to 6 decimals, so that 10 → 13.3 mL is the +33 % it is rather
than 32.999… % in binary floating point.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from reviewer.alarms.models import Alarm, RuleConfiguration
from reviewer.alarms.sync import Finding

EVIDENCE_LESIONS = 20  # new lesions named in an alarm's evidence (the largest); all are counted


@dataclass(frozen=True)
class RegionVolume:
    """A region's volume in one exam's segmentation."""

    exam_id: int
    exam_order: int
    exam_date: str | None
    segmentation_id: int
    volume_ml: float


@dataclass(frozen=True)
class Change:
    """From a prior's volume to the current one: mL and % (None when the prior is 0 mL)."""

    prior: RegionVolume
    ml: float
    percent: float | None

    @classmethod
    def between(cls, prior: RegionVolume, current: RegionVolume) -> "Change":
        difference = current.volume_ml - prior.volume_ml
        percent = 100.0 * difference / prior.volume_ml if prior.volume_ml > 0 else None
        return cls(prior, round(difference, 6), None if percent is None else round(percent, 6))

    def at_least_percent(self, percent: float) -> bool:
        return self.ml > 0 if self.percent is None else self.percent >= percent

    def json(self) -> dict:
        return {
            "exam": self.prior.exam_id,
            "exam_order": self.prior.exam_order,
            "date": self.prior.exam_date,
            "segmentation": self.prior.segmentation_id,
            "volume_ml": round(self.prior.volume_ml, 3),
            "change_ml": round(self.ml, 3),
            "change_percent": None if self.percent is None else round(self.percent, 1),
        }

    def text(self) -> str:
        change = "appeared" if self.percent is None else f"{self.percent:+.0f} %"
        return f"{change} against exam {self.prior.exam_order} ({self.prior.volume_ml:.1f} mL)"


@dataclass(frozen=True)
class NewLesion:
    lesion_id: int
    index: int
    volume_mm3: float
    centroid_mm: list[float]


@dataclass(frozen=True)
class ComponentCount:
    segmentation_id: int
    listed: int
    below_minimum: int
    minimum_lesion_ml: float | None


@dataclass(frozen=True)
class _Rule:
    version: int  # of the RuleConfiguration the parameters come from

    def evidence(self, rule: str, **measured) -> dict:
        parameters = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        version = parameters.pop("version")
        return {"rule": rule, "rules_version": version, "parameters": parameters, **measured}


@dataclass(frozen=True)
class GrowthRule(_Rule):
    percent: float
    region: str
    minimum_ml: float

    def evaluate(
        self, current: RegionVolume, priors: Sequence[RegionVolume], family: str
    ) -> Finding | None:
        """``priors``: the region's volume at up to two earlier exams, nearest first."""
        changes = [Change.between(prior, current) for prior in priors]
        grown = [change for change in changes if change.at_least_percent(self.percent)]
        if not grown or current.volume_ml < self.minimum_ml:
            return None
        against = "; ".join(change.text() for change in grown)
        return Finding(
            kind=Alarm.Kind.GROWTH,
            key=f"growth:{current.segmentation_id}:"
            + ",".join(str(prior.segmentation_id) for prior in priors),
            segmentation_id=current.segmentation_id,
            reason=(
                f"{self.region} ({family}) {current.volume_ml:.1f} mL: {against}; "
                f"rule: +{self.percent:g} %"
            ),
            evidence=self.evidence(
                "growth",
                family=family,
                region=self.region,
                volume_ml=round(current.volume_ml, 3),
                priors=[change.json() for change in changes],
            ),
        )


@dataclass(frozen=True)
class HaemorrhageRule(_Rule):
    ml: float
    percent: float

    def evaluate(
        self, current: RegionVolume, previous: RegionVolume, family: str
    ) -> Finding | None:
        change = Change.between(previous, current)
        relative = change.percent is not None and change.percent >= self.percent
        if not (change.ml >= self.ml or relative):
            return None
        return Finding(
            kind=Alarm.Kind.HAEMORRHAGE_EXPANSION,
            key=f"haemorrhage_expansion:{current.segmentation_id}:{previous.segmentation_id}",
            segmentation_id=current.segmentation_id,
            reason=(
                f"Haemorrhage ({family}) {current.volume_ml:.1f} mL: {change.ml:+.1f} mL, "
                f"{change.text()}; rule: ≥ {self.ml:g} mL or ≥ {self.percent:g} %"
            ),
            evidence=self.evidence(
                "haemorrhage_expansion",
                family=family,
                volume_ml=round(current.volume_ml, 3),
                previous=change.json(),
            ),
        )


@dataclass(frozen=True)
class NewActivityRule(_Rule):
    minimum_mm3: float

    def evaluate(self, segmentation_id: int, lesions: Sequence[NewLesion]) -> Finding | None:
        """``lesions``: the new lesions the exam's detection found, largest first."""
        larger = [lesion for lesion in lesions if lesion.volume_mm3 > self.minimum_mm3]
        if not larger:
            return None
        return Finding(
            kind=Alarm.Kind.NEW_LESION,
            key=f"new_lesion:{segmentation_id}",
            segmentation_id=segmentation_id,
            reason=(
                f"{len(larger)} new lesion{'s' if len(larger) > 1 else ''} larger than "
                f"{self.minimum_mm3:g} mm³ (largest {larger[0].volume_mm3:.0f} mm³): new disease "
                "activity, consider gadolinium"
            ),
            evidence=self.evidence(
                "new_activity",
                consider_gadolinium=True,
                new_lesion_count=len(larger),
                total_volume_mm3=round(sum(lesion.volume_mm3 for lesion in larger), 1),
                new_lesions=_named(larger, "volume_mm3", lambda mm3: round(mm3, 1)),
            ),
        )


@dataclass(frozen=True)
class TumourNewLesionRule(_Rule):
    def evaluate(
        self,
        segmentation_id: int,
        family: str,
        prior: RegionVolume,
        lesions: Sequence[NewLesion],
        minimum_ml: float,
    ) -> Finding | None:
        """``lesions``: the composite's listed lesions that match none at ``prior``, largest
        first; ``minimum_ml``: the composite's minimum lesion volume (smaller is no lesion)."""
        if not lesions:
            return None
        count = len(lesions)
        return Finding(
            kind=Alarm.Kind.NEW_LESION,
            key=f"new_lesion:{segmentation_id}",
            segmentation_id=segmentation_id,
            reason=(
                f"{family}: {count} new lesion{'s' if count > 1 else ''} since exam "
                f"{prior.exam_order} ({prior.exam_date or 'no date'}), largest "
                f"{lesions[0].volume_mm3 / 1000:.2f} mL: progression under RANO if confirmed"
            ),
            evidence=self.evidence(
                "new_tumour_lesion",
                prior_exam=prior.exam_id,
                prior_segmentation=prior.segmentation_id,
                minimum_lesion_ml=minimum_ml,
                new_lesion_count=count,
                new_lesions=_named(lesions, "volume_ml", lambda mm3: round(mm3 / 1000, 4)),
            ),
        )


def _named(lesions: Sequence[NewLesion], volume_key: str, volume) -> list[dict]:
    """The largest EVIDENCE_LESIONS new lesions as an alarm's evidence names them, with their
    volume (from mm³) under ``volume_key``."""
    return [
        {
            "lesion": lesion.lesion_id,
            "index": lesion.index,
            volume_key: volume(lesion.volume_mm3),
            "centroid_mm": lesion.centroid_mm,
        }
        for lesion in lesions[:EVIDENCE_LESIONS]
    ]


@dataclass(frozen=True)
class ManyComponentsRule(_Rule):
    count: int

    def evaluate(self, components: ComponentCount, family: str) -> Finding | None:
        total = components.listed + components.below_minimum
        if total <= self.count:
            return None
        minimum = components.minimum_lesion_ml
        below = (
            f", {components.below_minimum} below the minimum of {minimum:g} mL"
            if minimum is not None
            else ""
        )
        return Finding(
            kind=Alarm.Kind.MANY_COMPONENTS,
            key=f"many_components:{components.segmentation_id}",
            segmentation_id=components.segmentation_id,
            reason=(
                f"{family}: {total} components ({components.listed} listed{below}): possible "
                f"false positives; rule: more than {self.count}"
            ),
            evidence=self.evidence(
                "many_components",
                family=family,
                components=total,
                listed=components.listed,
                below_minimum=components.below_minimum,
                minimum_lesion_ml=minimum,
            ),
        )


@dataclass(frozen=True)
class ClinicalRules:
    """The enabled rules of one configuration version (None: not enabled)."""

    growth: GrowthRule | None
    new_activity: NewActivityRule | None
    new_tumour_lesion: TumourNewLesionRule | None
    haemorrhage: HaemorrhageRule | None
    haemorrhage_diseases: frozenset[str]
    many_components: ManyComponentsRule | None

    @classmethod
    def of(cls, configuration: RuleConfiguration) -> "ClinicalRules":
        c, version = configuration, configuration.version
        return cls(
            growth=GrowthRule(version, c.growth_percent, c.growth_region, c.growth_minimum_ml)
            if c.growth_enabled
            else None,
            new_activity=NewActivityRule(version, c.new_lesion_minimum_mm3)
            if c.new_activity_enabled
            else None,
            new_tumour_lesion=TumourNewLesionRule(version) if c.new_activity_enabled else None,
            haemorrhage=HaemorrhageRule(version, c.haemorrhage_ml, c.haemorrhage_percent)
            if c.haemorrhage_enabled
            else None,
            haemorrhage_diseases=frozenset(c.haemorrhage_diseases),
            many_components=ManyComponentsRule(version, c.many_components_count)
            if c.many_components_enabled
            else None,
        )


CLINICAL_KINDS = [
    Alarm.Kind.GROWTH,
    Alarm.Kind.NEW_LESION,
    Alarm.Kind.HAEMORRHAGE_EXPANSION,
    Alarm.Kind.MANY_COMPONENTS,
]
