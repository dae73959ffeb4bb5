from django.db import models

from reviewer.core.jobs import BackgroundJob


class InferenceJob(BackgroundJob):
    """Segmenting the exams of one patient (or one exam) with the deployed model versions, then
    computing ACC curves and ensemble alarms. Runs on the `gpu` queue."""

    patient = models.ForeignKey("cases.Patient", on_delete=models.PROTECT, related_name="+")
    exam = models.ForeignKey(
        "cases.Exam", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.CharField(max_length=128, blank=True)

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"inference {self.pk} on {self.exam or self.patient}"

    def result_patients(self) -> list:
        return [self.patient]
