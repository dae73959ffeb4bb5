from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reviewer.reports"
    label = "reports"
    verbose_name = "Reports and exports"
