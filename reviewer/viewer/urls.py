from django.urls import path

from reviewer.viewer import views

app_name = "viewer"

urlpatterns = [
    path("cases/<str:pseudonym>/viewer/", views.ViewerView.as_view(), name="viewer"),
]
