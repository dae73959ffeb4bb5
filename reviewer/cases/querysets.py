"""Domain questions about cases, as QuerySet methods."""

from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, Max, OuterRef, Q

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

    def with_worklist_columns(self, without_ai) -> "PatientQuerySet":
        """Annotate what the worklist shows: exams, sequence completeness, alarms, AI status.
        ``without_ai``: the ids of the exams whose AI output the user may not see now
        (reviewer.cases.blinding.exams_without_ai); the AI columns count nothing of them, and
        ``in_reader_study`` says that the patient has one: the worklist shows that instead."""
        shown = ~Q(exams__in=without_ai)
        return self.annotate(
            exam_count=Count("exams", distinct=True),
            series_count=Count("exams__series", distinct=True),
            latest_exam_date=Max("exams__date"),
            # open alarms as reviewer.alarms.models.AlarmQuerySet.open() defines them
            open_alarm_count=Count(
                "exams__alarms",
                filter=Q(exams__alarms__cleared_at__isnull=True) & shown,
                distinct=True,
            ),
            model_segmentation_count=Count(
                "exams__segmentations",
                filter=Q(exams__segmentations__source="model") & shown,
                distinct=True,
            ),
            in_reader_study=Exists(without_ai.filter(patient=OuterRef("pk"))),
        ).annotate(
            missing_series=ExpressionWrapper(
                F("exam_count") * len(CHANNEL_ORDER) - F("series_count"),
                output_field=models.IntegerField(),
            )
        )
