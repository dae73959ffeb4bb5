"""Alarms and the verdicts readers give them, the versioned configuration of the clinical rules,
and the ensemble's agreement rows and frozen thresholds: one module per aggregate."""

from reviewer.alarms.models.alarms import Alarm, AlarmQuerySet, AlarmVerdict
from reviewer.alarms.models.configuration import RuleConfiguration
from reviewer.alarms.models.ensemble import EnsembleAgreement, FrozenThreshold, ThresholdSet

__all__ = [
    "Alarm",
    "AlarmQuerySet",
    "AlarmVerdict",
    "EnsembleAgreement",
    "FrozenThreshold",
    "RuleConfiguration",
    "ThresholdSet",
]
