from django import forms
from django.contrib.auth import get_user_model

from reviewer.cases.models import Patient
from reviewer.core.models import Role
from reviewer.datasets.models import DatasetVersion
from reviewer.exports.models import ExportRelease


def _sealed_versions():
    return DatasetVersion.objects.filter(sealed_at__isnull=False).select_related("dataset")


class ReleaseForm(forms.Form):
    """The steward releases or revokes one patient (by pseudonym) or one sealed dataset
    version, for one researcher or all."""

    action = forms.ChoiceField(choices=ExportRelease.Action.choices)
    patient = forms.CharField(required=False, help_text="A pseudonym; or choose a dataset version.")
    dataset_version = forms.ModelChoiceField(
        queryset=_sealed_versions(), required=False, empty_label="(none)"
    )
    researcher = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(role=Role.RESEARCHER).order_by("username"),
        required=False,
        empty_label="all researchers",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_patient(self):
        pseudonym = self.cleaned_data["patient"].strip()
        if not pseudonym:
            return None
        patient = Patient.objects.filter(pseudonym=pseudonym).first()
        if patient is None:
            raise forms.ValidationError(f"no patient {pseudonym}")
        return patient

    def clean(self):
        data = super().clean()
        if (data.get("patient") is None) == (data.get("dataset_version") is None):
            raise forms.ValidationError("Choose a patient or a dataset version, one of them.")
        return data


class ExportForm(forms.Form):
    """A researcher's export: the patients by pseudonym, or a dataset version's, or all they
    may export."""

    patients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Pseudonyms, separated by spaces or lines; empty: every patient you may export.",
    )
    dataset_version = forms.ModelChoiceField(
        queryset=_sealed_versions(), required=False, empty_label="(any)"
    )

    def clean_patients(self) -> list[str]:
        return sorted(set(self.cleaned_data["patients"].split()))

    def clean(self):
        data = super().clean()
        if data.get("patients") and data.get("dataset_version"):
            raise forms.ValidationError("Choose pseudonyms or a dataset version, not both.")
        return data
