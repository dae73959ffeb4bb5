"""Domain questions about cases, as QuerySet methods."""

from django.db import models
from django.db.models import Count, ExpressionWrapper, F, Max, Q

from imaging.sequences import CHANNEL_ORDER


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PatientQuerySet":
        """Patients the user may see: all for QA admins and the data steward; for radiologists
        and researchers, those granted to them or to one of their groups (view_patient)."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_all_patients:
            return self
        granted = Q(
            patientuserobjectpermission__user=user,
            patientuserobjectpermission__permission__codename="view_patient",
        ) | Q(
            patientgroupobjectpermission__group__user=user,
            patientgroupobjectpermission__permission__codename="view_patient",
        )
        return self.filter(pk__in=self.model.objects.filter(granted).values("pk"))

    def with_worklist_columns(self) -> "PatientQuerySet":
        """Annotate what the worklist shows: exams, sequence completeness, alarms, AI status."""
        return self.annotate(
            exam_count=Count("exams", distinct=True),
            series_count=Count("exams__series", distinct=True),
            latest_exam_date=Max("exams__date"),
            # open alarms as reviewer.alarms.models.AlarmQuerySet.open() defines them
            open_alarm_count=Count(
                "exams__alarms", filter=Q(exams__alarms__cleared_at__isnull=True), distinct=True
            ),
            model_segmentation_count=Count(
                "exams__segmentations",
                filter=Q(exams__segmentations__source="model"),
                distinct=True,
            ),
        ).annotate(
            missing_series=ExpressionWrapper(
                F("exam_count") * len(CHANNEL_ORDER) - F("series_count"),
                output_field=models.IntegerField(),
            )
        )
