"""The one API router of the project."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from reviewer.api import views

router = DefaultRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("exams", views.ExamViewSet, basename="exam")
router.register("segmentations", views.SegmentationViewSet, basename="segmentation")
router.register("imports", views.ImportJobViewSet, basename="import")

urlpatterns = [
    path("", include(router.urls)),
    path("exports/cases/", views.CaseExportView.as_view(), name="export-cases"),
    path("auth/token/", obtain_auth_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
