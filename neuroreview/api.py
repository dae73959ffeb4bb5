"""The one API router of the project: every concern's endpoints under /api/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from reviewer.cases import api as cases
from reviewer.core import api as core
from reviewer.datasets import api as datasets
from reviewer.imports import api as imports
from reviewer.pacs import api as pacs
from reviewer.preprocessing import api as preprocessing
from reviewer.reports import api as reports
from reviewer.studies import api as studies
from reviewer.validation import api as validation
from reviewer.viewer import api as viewer
from reviewer.worklist import api as worklist
from segmentation import api as segmentation

router = DefaultRouter()
router.register("patients", cases.PatientViewSet, basename="patient")
router.register("worklist", worklist.WorklistViewSet, basename="worklist")
router.register("exams", cases.ExamViewSet, basename="exam")
router.register("segmentations", segmentation.SegmentationViewSet, basename="segmentation")
router.register("imports", imports.ImportJobViewSet, basename="import")
router.register("pacs", pacs.PacsConnectionViewSet, basename="pacs")
router.register("datasets", datasets.ReferenceDatasetViewSet, basename="dataset")
router.register("dataset-versions", datasets.DatasetVersionViewSet, basename="dataset-version")
router.register("validation-runs", validation.ValidationRunViewSet, basename="validation-run")
router.register("deployments", validation.DeploymentViewSet, basename="deployment")
router.register("surveys", studies.SurveyViewSet, basename="survey")
router.register("survey-versions", studies.SurveyVersionViewSet, basename="survey-version")
router.register("survey-responses", studies.SurveyResponseViewSet, basename="survey-response")
router.register("my-studies", studies.ReaderStudyViewSet, basename="my-study")
router.register(
    "preprocessing-runs", preprocessing.PreprocessingRunViewSet, basename="preprocessing-run"
)
router.register("inference-jobs", segmentation.InferenceJobViewSet, basename="inference-job")
router.register("model-versions", segmentation.ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("reviewer.alarms.urls")),
    path("pacs/<int:pk>/pulls/", imports.PullView.as_view(), name="pacs-pull"),
    path("segmentations/<int:pk>/sent-results/", pacs.SentResultsView.as_view()),
    path("exports/cases/", reports.CaseExportView.as_view(), name="export-cases"),
    path("reports/quality/", reports.QualityDashboardView.as_view(), name="quality-dashboard"),
    path("cases/<str:pseudonym>/viewer/", viewer.CaseViewerView.as_view(), name="case-viewer"),
    path("series/<int:pk>/voxels/<str:sha256>", viewer.SeriesVoxelView.as_view()),
    path("segmentations/<int:pk>/voxels/<str:sha256>", viewer.SegmentationVoxelView.as_view()),
    path("acquired-series/<int:pk>/voxels/<str:sha256>", viewer.AcquiredSeriesVoxelView.as_view()),
    path("brain-masks/<int:pk>/voxels/<str:sha256>", viewer.BrainMaskVoxelView.as_view()),
    path("", include("reviewer.grading.urls")),
    path("auth/token/", core.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
