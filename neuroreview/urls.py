from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("neuroreview.api")),
    path("", include("reviewer.core.urls")),
    path("", include("reviewer.worklist.urls")),
    path("", include("reviewer.viewer.urls")),
    path("", include("reviewer.imports.urls")),
    path("", include("reviewer.pacs.urls")),
    path("", include("reviewer.datasets.urls")),
    path("", include("reviewer.studies.urls")),
    path("", include("reviewer.validation.urls")),
    path("", include("reviewer.reports.urls")),
    path("", include("reviewer.exports.urls")),
    path("", include("segmentation.urls")),
]
