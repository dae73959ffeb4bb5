"""Worklist filtering, shared by the page and the API."""

import re

import django_filters
from django import forms
from django.db.models import Q
from django_filters.widgets import BooleanWidget

from reviewer.cases.models import Exam, Patient

# Sortable worklist columns; `?ordering=name` or `-name`, on the page and in the API alike.
WORKLIST_ORDERING = ("pseudonym", "exam_count", "latest_exam_date", "open_alarm_count")


class _TrueOrFalseWidget(BooleanWidget):
    def value_from_datadict(self, data, files, name):
        known = super().value_from_datadict(data, files, name)
        given = data.get(name)
        return given if known is None and given not in (None, "") else known  # for the field


class _TrueOrFalseField(forms.NullBooleanField):
    def to_python(self, value):
        if value in (True, False, None, ""):
            return None if value == "" else value
        # The value goes in as a parameter: DRF formats the message with them, and a % in it
        # would break an f-string's message.
        raise forms.ValidationError("%(value)r is neither true nor false", params={"value": value})


class TrueOrFalse(django_filters.BooleanFilter):
    """A yes/no filter that refuses any other value, where django-filter's reads it as "any"
    (``?complete=yes`` would list every patient). Absent or empty: no filter."""

    field_class = _TrueOrFalseField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=_TrueOrFalseWidget, **kwargs)


class _WholeNumberField(forms.IntegerField):
    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(r"[+-]?\d+", str(value).strip()):
            raise forms.ValidationError("%(value)r is not a whole number", params={"value": value})
        return super().to_python(value)


class WholeNumber(django_filters.NumberFilter):
    """An integer filter that refuses 1.0 or 1e3, where django-filter's reads a decimal."""

    field_class = _WholeNumberField


class PatientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="pseudonym", lookup_expr="icontains", label="Pseudonym"
    )
    min_exams = WholeNumber(field_name="exam_count", lookup_expr="gte", label="At least N exams")
    complete = TrueOrFalse(method="filter_complete", label="All four sequences in every exam")
    has_alarms = TrueOrFalse(method="filter_has_alarms", label="Open alarms")

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


class ExamFilter(django_filters.FilterSet):
    order = WholeNumber(label="Exam order (0 the first)")

    class Meta:
        model = Exam
        fields = {"patient__pseudonym": ["exact"]}
