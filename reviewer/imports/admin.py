from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from reviewer.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(OperatorModelAdmin):
    list_display = ("pk", "kind", "status", "created_by", "created_at")
    steward_only_fields = ("upload", "upload_name")
