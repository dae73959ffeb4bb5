from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "reviewer.imports"
    label = "imports"
    verbose_name = "Imports"
