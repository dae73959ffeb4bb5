from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "reviewer.viewer"
    label = "viewer"
    verbose_name = "Viewer"
