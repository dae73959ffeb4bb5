from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "segmentation.research"
    label = "research"
    verbose_name = "Research analyses"
