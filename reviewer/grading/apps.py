from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "reviewer.grading"
    label = "grading"
    verbose_name = "Grading"

    def ready(self):
        from django.core import checks

        from reviewer.grading.checks import grading_scale_exists

        checks.register(grading_scale_exists)
