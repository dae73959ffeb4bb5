from django.apps import AppConfig


class ValidationConfig(AppConfig):
    name = "reviewer.validation"
    label = "validation"
    verbose_name = "Validation and deployment of model versions"
