from django.urls import path

from reviewer.reports import views

app_name = "reports"

urlpatterns = [
    path("exports/", views.ExportView.as_view(), name="export-list"),
    path("exports/cases.csv", views.ExportCsvView.as_view(), name="export-csv"),
    path("quality/", views.QualityDashboardView.as_view(), name="quality-dashboard"),
]
