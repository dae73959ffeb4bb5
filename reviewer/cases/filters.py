"""Worklist filtering, shared by the page and the API."""

import django_filters
from django.db.models import Q

from reviewer.cases.models import Patient

# Sortable worklist columns; `?ordering=name` or `-name`, on the page and in the API alike.
WORKLIST_ORDERING = ("pseudonym", "exam_count", "latest_exam_date", "open_alarm_count")


class PatientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="pseudonym", lookup_expr="icontains", label="Pseudonym"
    )
    min_exams = django_filters.NumberFilter(
        field_name="exam_count", lookup_expr="gte", label="At least N exams"
    )
    complete = django_filters.BooleanFilter(
        method="filter_complete", label="All four sequences in every exam"
    )
    has_alarms = django_filters.BooleanFilter(method="filter_has_alarms", label="Open alarms")

    class Meta:
        model = Patient
        fields = ["q", "min_exams", "complete", "has_alarms"]

    def filter_complete(self, queryset, name, value):
        complete = Q(missing_series=0, exam_count__gt=0)
        return queryset.filter(complete) if value else queryset.exclude(complete)

    def filter_has_alarms(self, queryset, name, value):
        return (
            queryset.filter(open_alarm_count__gt=0)
            if value
            else queryset.filter(open_alarm_count=0)
        )
