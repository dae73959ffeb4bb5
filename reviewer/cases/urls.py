from django.urls import path

from reviewer.cases import views

app_name = "cases"

urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("cases/<str:pseudonym>/", views.CaseDetailView.as_view(), name="case-detail"),
]
