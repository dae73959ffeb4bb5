"""The admin's base for every concern: QA admins and the data steward look, nobody deletes
evidence (the site is neuroreview.admin_site); users and their roles are the steward's."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from reviewer.core.models import Role, User
from reviewer.core.permissions import OPERATOR_ROLES, has_role


class OperatorModelAdmin(admin.ModelAdmin):
    """QA admins and the steward may look at everything here; evidence is never deleted."""

    allowed_roles = OPERATOR_ROLES
    # Source identifiers (folder and file names, DICOM UIDs, upload names): the steward's alone
    steward_only_fields: tuple[str, ...] = ()

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or ())
        if not has_role(request.user, (Role.ADMIN,)):
            excluded += self.steward_only_fields
        return excluded

    def has_module_permission(self, request):
        return has_role(request.user, self.allowed_roles)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, self.allowed_roles)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class NeuroReviewUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role",)}),)
    list_display = ("username", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "groups")

    def has_module_permission(self, request):
        return has_role(request.user, (Role.ADMIN,))

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, (Role.ADMIN,))

    has_change_permission = has_view_permission

    def has_add_permission(self, request):
        return has_role(request.user, (Role.ADMIN,))


# Failed sign-ins (django-axes): who was locked out, from where. The steward alone sees them and
# lifts a lockout by deleting its row; the address is an identifier.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    def has_module_permission(self, request):
        return has_role(request.user, (Role.ADMIN,))

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, (Role.ADMIN,))

    has_delete_permission = has_view_permission
