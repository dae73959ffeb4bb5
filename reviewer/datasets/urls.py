from django.urls import path

from reviewer.datasets import views

app_name = "datasets"

urlpatterns = [
    path("datasets/", views.DatasetsView.as_view(), name="datasets"),
    path("datasets/new/", views.DatasetCreateView.as_view(), name="dataset-create"),
    path("datasets/import/", views.VersionImportView.as_view(), name="version-import"),
    path("datasets/<int:pk>/versions/", views.VersionCreateView.as_view(), name="version-create"),
    path(
        "dataset-versions/<int:pk>/export.zip",
        views.VersionExportView.as_view(),
        name="version-export",
    ),
]
