from django.urls import path

from reviewer.studies import views

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
]
