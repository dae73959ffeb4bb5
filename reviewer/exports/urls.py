from django.urls import path

from reviewer.exports import views

app_name = "exports"

urlpatterns = [
    path("exports/releases/", views.ReleaseView.as_view(), name="releases"),
]
