from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from reviewer.core.permissions import has_role
from reviewer.imports.models import ImportJob, PacsConnection


@admin.register(ImportJob)
class ImportJobAdmin(OperatorModelAdmin):
    list_display = ("pk", "kind", "status", "created_by", "created_at")
    steward_only_fields = ("upload", "upload_name")


@admin.register(PacsConnection)
class PacsConnectionAdmin(OperatorModelAdmin):
    """QA admins configure the PACS connections; the password stays in the environment."""

    list_display = ("name", "dicomweb_url", "username", "password_env")

    def has_add_permission(self, request):
        return has_role(request.user, self.allowed_roles)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, self.allowed_roles)
