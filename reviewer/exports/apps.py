from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """No models: an app so that `manage.py export_research` exists."""

    name = "reviewer.exports"
    label = "exports"
    verbose_name = "Research exports"
