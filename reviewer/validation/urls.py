from django.urls import path

from reviewer.validation import views

app_name = "validation"

urlpatterns = [
    path("models/", views.ModelVersionsView.as_view(), name="model-versions"),
    path("models/rollback/", views.RollbackView.as_view(), name="rollback"),
    path("validation/", views.RunRequestView.as_view(), name="run-request"),
    path("validation/<int:pk>/", views.RunView.as_view(), name="run"),
    path("validation/<int:pk>/deploy/", views.DeployView.as_view(), name="deploy"),
    path("validation/<int:pk>/robustness/", views.RobustnessView.as_view(), name="robustness"),
    path(
        "validation/<int:pk>/evaluation.csv",
        views.EvaluationCsvView.as_view(),
        name="evaluation-csv",
    ),
]
