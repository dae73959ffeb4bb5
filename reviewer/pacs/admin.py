from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from reviewer.core.permissions import has_role
from reviewer.pacs.models import PacsConnection


@admin.register(PacsConnection)
class PacsConnectionAdmin(OperatorModelAdmin):
    """QA admins configure the PACS connections; the password stays in the environment."""

    list_display = ("name", "dicomweb_url", "username", "password_env")

    def has_add_permission(self, request):
        return has_role(request.user, self.allowed_roles)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, self.allowed_roles)
