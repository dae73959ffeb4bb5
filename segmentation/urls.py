from django.urls import path, re_path

from segmentation import api, views

app_name = "segmentation"

urlpatterns = [
    path("cases/<str:pseudonym>/segment/", views.StartInferenceView.as_view(), name="segment"),
    path("inference/<int:pk>/", views.InferenceJobView.as_view(), name="inference-detail"),
    path(
        "api/segmentations/<int:pk>/lesions/",
        api.SegmentationLesionsView.as_view(),
        name="segmentation-lesions",
    ),
    re_path(
        r"^api/segmentations/(?P<pk>[0-9]+)/flows/(?P<key>[0-9a-f]{64})\.bin$",
        views.FlowFramesView.as_view(),
        name="flow-frames",
    ),
]
