from django.urls import path

from reviewer.worklist import views

app_name = "worklist"

urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("cases/<str:pseudonym>/", views.CaseDetailView.as_view(), name="case-detail"),
]
