from django.apps import AppConfig


class PacsConfig(AppConfig):
    name = "reviewer.pacs"
    label = "pacs"
    verbose_name = "PACS"
