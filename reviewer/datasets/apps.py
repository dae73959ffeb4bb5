from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "reviewer.datasets"
    label = "datasets"
    verbose_name = "Reference datasets"
