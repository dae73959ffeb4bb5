from django.urls import path

from segmentation import views

app_name = "segmentation"

urlpatterns = [
    path("cases/<str:pseudonym>/segment/", views.StartInferenceView.as_view(), name="segment"),
    path("inference/<int:pk>/", views.InferenceJobView.as_view(), name="inference-detail"),
]
