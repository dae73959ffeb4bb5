from django.urls import path

from reviewer.exports import views

app_name = "exports"

urlpatterns = [
    path("exports/releases/", views.ReleaseView.as_view(), name="releases"),
    path("exports/research/", views.ResearchExportView.as_view(), name="research"),
    path("exports/research/<int:pk>/", views.ExportJobView.as_view(), name="job"),
    path("exports/research/download/<str:token>/", views.DownloadView.as_view(), name="download"),
]
