from django.urls import path

from reviewer.studies import adjudication_views, views

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
    path(
        "studies/<int:study>/versions/<int:number>/adjudication/",
        adjudication_views.AdjudicationView.as_view(),
        name="adjudication",
    ),
]
