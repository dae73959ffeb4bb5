from django.contrib import admin

from reviewer.datasets.models import DatasetVersion, ReferenceDataset


@admin.register(ReferenceDataset)
class ReferenceDatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "created_at")


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are made by reviewer.datasets.versions and never change."""

    list_display = ("dataset", "number", "sha256", "created_by", "sealed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
