"""Admin pages for QA admins and the data steward (the site is neuroreview.admin_site). The
identity map is the steward's alone."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin

from reviewer.models import (
    Alarm,
    Exam,
    IdentityLink,
    ImportJob,
    Lesion,
    Patient,
    Registration,
    Role,
    Segmentation,
    Series,
    User,
)
from reviewer.permissions import OPERATOR_ROLES, has_role


class OperatorModelAdmin(admin.ModelAdmin):
    """QA admins and the steward may look at everything here; evidence is never deleted."""

    allowed_roles = OPERATOR_ROLES

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


@admin.register(Patient)
class PatientAdmin(GuardedModelAdmin, OperatorModelAdmin):
    search_fields = ("pseudonym",)
    list_display = ("pseudonym", "created_at")


@admin.register(IdentityLink)
class IdentityLinkAdmin(OperatorModelAdmin):
    """Read-only, and for the data steward alone."""

    allowed_roles = (Role.ADMIN,)
    list_display = ("patient", "source", "source_patient_id", "date_shift_days")
    readonly_fields = [f.name for f in IdentityLink._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model in (Exam, Series, Segmentation, Lesion, Alarm, ImportJob, Registration):
    admin.site.register(model, OperatorModelAdmin)
