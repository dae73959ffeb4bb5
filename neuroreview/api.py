"""The one API router of the project."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from reviewer.api import viewer, views
from segmentation import api as segmentation_api

router = DefaultRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("exams", views.ExamViewSet, basename="exam")
router.register("segmentations", views.SegmentationViewSet, basename="segmentation")
router.register("imports", views.ImportJobViewSet, basename="import")
router.register("inference-jobs", segmentation_api.InferenceJobViewSet, basename="inference-job")
router.register("model-versions", segmentation_api.ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("", include(router.urls)),
    path("exports/cases/", views.CaseExportView.as_view(), name="export-cases"),
    path("cases/<str:pseudonym>/viewer/", viewer.CaseViewerView.as_view(), name="case-viewer"),
    path("series/<int:pk>/voxels/<str:sha256>", viewer.SeriesVoxelView.as_view()),
    path("segmentations/<int:pk>/voxels/<str:sha256>", viewer.SegmentationVoxelView.as_view()),
    path("auth/token/", obtain_auth_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
