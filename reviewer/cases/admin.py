"""Patients, exams and series in the admin; the identity map is the data steward's alone."""

from django.contrib import admin
from guardian.admin import ReinforcedGuardedModelAdminMixin

from reviewer.cases.models import Exam, IdentityLink, Patient, Series
from reviewer.core.admin import OperatorModelAdmin
from reviewer.core.models import Role
from reviewer.core.permissions import has_role


@admin.register(Patient)
class PatientAdmin(ReinforcedGuardedModelAdminMixin, OperatorModelAdmin):
    """A QA admin records a patient's disease here (it decides the AI that runs); nothing else
    of a patient is edited. Granting patients stays with guardian's own permissions (the
    reinforced mixin asks for them, not for the right to change a patient)."""

    search_fields = ("pseudonym",)
    list_display = ("pseudonym", "disease", "created_at")
    list_filter = ("disease",)
    fields = ("pseudonym", "disease", "created_at")
    readonly_fields = ("pseudonym", "created_at")

    def has_add_permission(self, request):
        return False  # patients come from imports

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, (Role.QA_ADMIN,))


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


@admin.register(Exam)
class ExamAdmin(OperatorModelAdmin):
    list_display = ("patient", "order", "date")
    steward_only_fields = ("source_name", "dicom_study_uid")


@admin.register(Series)
class SeriesAdmin(OperatorModelAdmin):
    list_display = ("exam", "sequence", "shape")
    steward_only_fields = ("file", "dicom_study_uid", "dicom_series_uid")
