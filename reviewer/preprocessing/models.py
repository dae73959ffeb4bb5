"""Preprocessing runs: how an exam's acquired series became the series the models see, step by
step, with its brain mask and the flags of sequences some models cannot use."""

from django.conf import settings
from django.db import models

from reviewer.cases.models import Exam, StoredVolume
from reviewer.core.jobs import BackgroundJob


class PreprocessingRun(BackgroundJob):
    """One pass of the steps over an exam. The exam's latest run is the one its series come
    from; a QA admin who rejects it runs the steps again with other parameters."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="preprocessing_runs")
    parameters = models.JSONField(default=dict)  # imaging.preprocessing.pipeline.Parameters
    # Every step, done (tool, parameters, seconds) or skipped (and why)
    steps = models.JSONField(default=list)
    # Sequences some models cannot use: {"code", "sequence", "reason"}
    flags = models.JSONField(default=list)
    # None when an import ran it (a command, a BraTS folder), not a person
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)

    class Meta(BackgroundJob.Meta):
        ordering = ["exam", "-pk"]

    def __str__(self) -> str:
        return f"preprocessing {self.pk} of {self.exam}"

    def result_patients(self) -> list:
        return [self.exam.patient]


class BrainMask(StoredVolume):
    """A run's brain mask on the grid of the exam's series (uint8, 1 = brain), kept for QA."""

    run = models.OneToOneField(
        PreprocessingRun, on_delete=models.PROTECT, related_name="brain_mask"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"brain mask of {self.run}"
