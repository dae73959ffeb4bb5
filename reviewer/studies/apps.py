from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "reviewer.studies"
    label = "studies"
    verbose_name = "Studies and surveys"
