from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "reviewer.grading"
    label = "grading"
    verbose_name = "Grading"
