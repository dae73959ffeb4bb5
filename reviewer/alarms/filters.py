import django_filters

from reviewer.alarms.models import Alarm


class AlarmFilter(django_filters.FilterSet):
    """Which alarms a list shows: open ones unless asked otherwise."""

    patient = django_filters.CharFilter(field_name="exam__patient__pseudonym", label="Pseudonym")
    exam = django_filters.NumberFilter(field_name="exam_id", label="Exam id")
    kind = django_filters.ChoiceFilter(choices=Alarm.Kind.choices)
    state = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("cleared", "cleared"), ("all", "all")],
        method="filter_state",
        empty_label=None,
        label="open (default), cleared or all",
    )

    class Meta:
        model = Alarm
        fields = ["patient", "exam", "kind", "state"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", "open")
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(cleared_at__isnull=True)
        if value == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset
