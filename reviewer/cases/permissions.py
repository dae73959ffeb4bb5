"""One place for who may do what: roles gate pages and endpoints; object visibility is
Patient.objects.visible_to(user) and answers 404 for what a user may not see."""

from guardian.shortcuts import assign_perm, remove_perm

from reviewer.core.models import Role

CLINICAL_ROLES = (Role.RADIOLOGIST, Role.QA_ADMIN, Role.ADMIN)
IMPORT_ROLES = (Role.QA_ADMIN, Role.ADMIN)
EXPORT_ROLES = (Role.RESEARCHER, Role.QA_ADMIN, Role.ADMIN)
OPERATOR_ROLES = (Role.QA_ADMIN, Role.ADMIN)
STEWARD_ROLES = (Role.ADMIN,)


def grant_patient(patient, user_or_group) -> None:
    """Grant a radiologist, a researcher or a reading group access to one patient."""
    assign_perm("view_patient", user_or_group, patient)


def revoke_patient(patient, user_or_group) -> None:
    remove_perm("view_patient", user_or_group, patient)
