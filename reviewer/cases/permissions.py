"""Per-patient access: a radiologist, a researcher or a reading group sees a patient once granted
(django-guardian); Patient.objects.visible_to(user) is the one check."""

from guardian.shortcuts import assign_perm, remove_perm


def grant_patient(patient, user_or_group) -> None:
    """Grant a radiologist, a researcher or a reading group access to one patient."""
    assign_perm("view_patient", user_or_group, patient)


def revoke_patient(patient, user_or_group) -> None:
    remove_perm("view_patient", user_or_group, patient)
