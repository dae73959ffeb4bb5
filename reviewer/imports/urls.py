from django.urls import path

from reviewer.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.ImportView.as_view(), name="import-list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/pacs/", views.PacsPullView.as_view(), name="pacs-pull"),
]
