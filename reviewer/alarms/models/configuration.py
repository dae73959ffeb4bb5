"""The clinical alarm rules' parameters, versioned: each change is a new row numbered one above
the version it was based on (append-only, triggers in migration 0006), with who made it, when
and why. Version numbers are unique, so of two edits based on one version only the first is
stored: the second was based on a version that is no longer current."""

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from reviewer.cases.models import Disease
from segmentation.engine.discord import DEFAULT_ALPHA, PAPER_METRICS
from segmentation.models import TargetChoices

ENSEMBLE_METRICS = tuple(str(metric) for metric in PAPER_METRICS)  # what agreement rows hold


def _positive(value: float) -> None:
    if not value > 0:
        raise ValidationError(f"must be more than 0, not {value}")


class RuleConfigurationQuerySet(models.QuerySet):
    def current(self) -> "RuleConfiguration":
        """The latest version; the built-in defaults (unsaved, version 0) while none is stored."""
        return self.order_by("-version").first() or self.model(version=0)


class RuleConfiguration(models.Model):
    """One version of the clinical rules' parameters (reviewer.alarms.rules says what each rule
    does with them) and of the ensemble's α per target and metric (used when thresholds are
    frozen). A rule that is not enabled raises nothing and its open alarms are cleared."""

    # Growth of a region's volume against either of the two priors (EASE: +40 % in volume is
    # RANO's +25 % in the 2D product, 1.25^1.5 ≈ 1.40), from a volume worth measuring.
    growth_enabled = models.BooleanField(default=True)
    growth_percent = models.FloatField(default=40.0, validators=[_positive])
    growth_region = models.CharField(
        max_length=8, choices=TargetChoices.choices, default=TargetChoices.WT
    )
    growth_minimum_ml = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    # MS: a new lesion strictly larger than this is new activity, and gadolinium is considered
    # (the MS CAD's 12 mm³, spec ms-workflows.md).
    new_activity_enabled = models.BooleanField(default=True)
    new_lesion_minimum_mm3 = models.FloatField(default=12.0, validators=[MinValueValidator(0.0)])
    # Haemorrhage expansion against the previous exam: ≥ 6 mL or ≥ 33 % (spec AT-12). Only for
    # patients whose disease is listed: no disease followed today is a haemorrhage.
    haemorrhage_enabled = models.BooleanField(default=True)
    haemorrhage_ml = models.FloatField(default=6.0, validators=[_positive])
    haemorrhage_percent = models.FloatField(default=33.0, validators=[_positive])
    haemorrhage_diseases = models.JSONField(default=list, blank=True)
    # More components (listed and below the minimum) than this: possible false positives.
    many_components_enabled = models.BooleanField(default=True)
    many_components_count = models.PositiveIntegerField(
        default=50, validators=[MinValueValidator(1)]
    )
    # {"WT": {"dice": 0.1, "hausdorff": 0.1}, ...}; what is missing is DEFAULT_ALPHA
    ensemble_alpha = models.JSONField(default=dict, blank=True)

    version = models.PositiveIntegerField(unique=True)
    note = models.TextField(blank=True, help_text="why this version")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RuleConfigurationQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(growth_percent__gt=0), name="alarms_rules_growth_percent_positive"
            ),
            models.CheckConstraint(
                condition=Q(growth_minimum_ml__gte=0), name="alarms_rules_growth_minimum_ml"
            ),
            models.CheckConstraint(
                condition=Q(new_lesion_minimum_mm3__gte=0), name="alarms_rules_new_lesion_mm3"
            ),
            models.CheckConstraint(
                condition=Q(haemorrhage_ml__gt=0), name="alarms_rules_haemorrhage_ml_positive"
            ),
            models.CheckConstraint(
                condition=Q(haemorrhage_percent__gt=0),
                name="alarms_rules_haemorrhage_percent_positive",
            ),
            models.CheckConstraint(
                condition=Q(many_components_count__gte=1), name="alarms_rules_many_components"
            ),
        ]

    def __str__(self) -> str:
        return f"alarm rules v{self.version}" if self.pk else "alarm rules (built-in defaults)"

    def clean(self) -> None:
        errors = {}
        diseases = self.haemorrhage_diseases
        if not isinstance(diseases, list) or not all(d in Disease.values for d in diseases):
            errors["haemorrhage_diseases"] = (
                f"a list of diseases among {', '.join(Disease.values)}, not {diseases!r}"
            )
        if problem := _alpha_problem(self.ensemble_alpha):
            errors["ensemble_alpha"] = problem
        if errors:
            raise ValidationError(errors)

    def alpha(self, target: str, metric: str) -> float:
        return float(self.ensemble_alpha.get(target, {}).get(metric, DEFAULT_ALPHA))


def _alpha_problem(alpha) -> str | None:
    targets, metrics = ", ".join(TargetChoices.values), ", ".join(ENSEMBLE_METRICS)
    shape = f"{{target: {{metric: α}}}} with targets {targets} and metrics {metrics}"
    if not isinstance(alpha, dict):
        return f"must be {shape}"
    for target, by_metric in alpha.items():
        if target not in TargetChoices.values:
            return f"{target!r} is not a target: {shape}"
        if not isinstance(by_metric, dict):
            return f"{target}: must be {{metric: α}}"
        for metric, value in by_metric.items():
            if metric not in ENSEMBLE_METRICS:
                return f"{target}: {metric!r} is not a metric ({', '.join(ENSEMBLE_METRICS)})"
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{target}, {metric}: α must be a number, not {value!r}"
            if not math.isfinite(value):
                return f"{target}, {metric}: α must be finite"
    return None
