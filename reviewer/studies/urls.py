from django.urls import path, re_path

from reviewer.studies import (
    adjudication_views,
    design_views,
    reading_views,
    statistics_views,
    views,
)

app_name = "studies"

urlpatterns = [
    path(
        "surveys/<int:survey>/patients/<str:pseudonym>/",
        views.SurveyResponseView.as_view(),
        name="respond-patient",
    ),
    path(
        "surveys/<int:survey>/exams/<int:exam>/",
        views.SurveyResponseView.as_view(),
        name="respond-exam",
    ),
    path("studies/", design_views.StudyListView.as_view(), name="list"),
    path("studies/new/", design_views.StudyCreateView.as_view(), name="new"),
    path("studies/<int:study>/", design_views.StudyDetailView.as_view(), name="study"),
    path(
        "studies/<int:study>/versions/<int:number>/change/",
        design_views.DraftEditView.as_view(),
        name="edit",
    ),
    path(
        "studies/<int:study>/versions/<int:number>/statistics/",
        statistics_views.StudyStatisticsView.as_view(),
        name="statistics",
    ),
    re_path(
        r"^studies/(?P<study>[0-9]+)/versions/(?P<number>[0-9]+)/(?P<action>start|end|revise)/$",
        design_views.VersionActionView.as_view(),
        name="version-action",
    ),
    path("studies/<int:study>/read/", reading_views.ReadingView.as_view(), name="read"),
    path(
        "studies/<int:study>/versions/<int:number>/adjudication/",
        adjudication_views.AdjudicationView.as_view(),
        name="adjudication",
    ),
]
