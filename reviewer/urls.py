from django.urls import path

from reviewer import views

app_name = "reviewer"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("cases/<str:pseudonym>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<str:pseudonym>/viewer/", views.ViewerView.as_view(), name="viewer"),
    path("imports/", views.ImportView.as_view(), name="import-list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("exports/", views.ExportView.as_view(), name="export-list"),
    path("exports/cases.csv", views.ExportCsvView.as_view(), name="export-csv"),
    path("health/", views.HealthView.as_view(), name="health"),
]
