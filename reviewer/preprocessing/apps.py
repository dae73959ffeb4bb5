from django.apps import AppConfig


class PreprocessingConfig(AppConfig):
    name = "reviewer.preprocessing"
    label = "preprocessing"
    verbose_name = "Preprocessing"
