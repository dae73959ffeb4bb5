"""The grading endpoints, included under /api/ by neuroreview.api."""

from django.urls import path

from reviewer.grading import api

urlpatterns = [
    path(
        "segmentations/<int:pk>/assessments/",
        api.AssessmentsView.as_view(),
        name="segmentation-assessments",
    ),
    path(
        "segmentations/<int:pk>/verdicts/",
        api.LesionVerdictsView.as_view(),
        name="segmentation-verdicts",
    ),
    path(
        "segmentations/<int:pk>/grading/",
        api.GradingPanelView.as_view(),
        name="segmentation-grading",
    ),
    path(
        "exams/<int:pk>/volume-diagnosis/",
        api.VolumeDiagnosisView.as_view(),
        name="exam-volume-diagnosis",
    ),
    path(
        "volume-diagnoses/<int:pk>/second-opinion/",
        api.SecondOpinionView.as_view(),
        name="volume-diagnosis-second-opinion",
    ),
    path(
        "volume-diagnoses/<int:pk>/consensus/",
        api.ConsensusView.as_view(),
        name="volume-diagnosis-consensus",
    ),
]
