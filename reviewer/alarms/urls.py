"""The alarm API, included under /api/ by neuroreview.api (the alarms have no page of their own:
they show in the viewer, the worklist and the case page)."""

from django.urls import path

from reviewer.alarms import api

app_name = "alarms"

urlpatterns = [
    path("alarms/", api.AlarmListView.as_view(), name="alarm-list"),
    path("alarms/<int:pk>/", api.AlarmDetailView.as_view(), name="alarm-detail"),
    path("alarms/<int:pk>/verdicts/", api.AlarmVerdictsView.as_view(), name="alarm-verdicts"),
    path("alarms/rules/", api.RuleConfigurationsView.as_view(), name="rules"),
    path("alarms/rules/current/", api.CurrentRuleConfigurationView.as_view(), name="rules-current"),
    path("alarms/threshold-sets/", api.ThresholdSetsView.as_view(), name="threshold-sets"),
    path(
        "alarms/threshold-sets/<int:pk>/",
        api.ThresholdSetDetailView.as_view(),
        name="threshold-set",
    ),
    path("cases/<str:pseudonym>/alarms/", api.CaseAlarmsView.as_view(), name="case-alarms"),
]
