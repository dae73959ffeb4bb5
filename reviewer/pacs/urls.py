from django.urls import path

from reviewer.pacs import views

app_name = "pacs"

urlpatterns = [
    path(
        "cases/<str:pseudonym>/segmentations/<int:pk>/send/",
        views.SendResultsView.as_view(),
        name="send-results",
    ),
]
