"""Patients, exams and series in the admin; the identity map is the data steward's alone."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from reviewer.cases.models import Exam, IdentityLink, Patient, Series
from reviewer.core.admin import OperatorModelAdmin
from reviewer.core.models import Role


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


for model in (Exam, Series):
    admin.site.register(model, OperatorModelAdmin)
