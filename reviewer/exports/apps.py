from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Research exports: the steward's releases, export jobs, and the export_research command."""

    name = "reviewer.exports"
    label = "exports"
    verbose_name = "Research exports"
