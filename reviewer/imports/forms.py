import re
import zipfile

from django import forms

from imaging.dicomweb import StudyQuery
from imaging.labels import LabelScheme
from imaging.sequences import Sequence
from reviewer.cases.models import Disease
from reviewer.imports.models import ImportJob
from reviewer.pacs.models import PacsConnection

UID = re.compile(r"[0-9]+(\.[0-9]+)*")
IMPORT_OPTIONS = ("label_scheme", "disease", "sequence_overrides")  # kept in ImportJob.options


UPLOAD_KINDS = [(k.value, k.label) for k in (ImportJob.Kind.BRATS, ImportJob.Kind.DICOM)]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=UPLOAD_KINDS)
    file = forms.FileField(help_text="A .zip of a BraTS folder or of DICOM files.")
    label_scheme = forms.ChoiceField(
        choices=[("", "detect")] + [(s.value, s.value) for s in LabelScheme],
        required=False,
        help_text="BraTS only: the scheme of the _seg files.",
    )
    disease = forms.ChoiceField(
        choices=[("", "from the import")] + Disease.choices,
        required=False,
        help_text="Decides which AI runs. BraTS: glioma unless exams.csv has a disease column; "
        "DICOM: not recorded unless chosen here.",
    )
    sequence_overrides = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="DICOM only: one 'series UID or description = FLAIR|T1|T1CE|T2' per line.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if error := zip_upload_error(upload):
            raise forms.ValidationError(error)
        return upload

    def clean_sequence_overrides(self) -> dict[str, str]:
        overrides = {}
        for number, line in enumerate(
            self.cleaned_data["sequence_overrides"].splitlines(), start=1
        ):
            if not line.strip():
                continue
            key, _, value = line.partition("=")
            try:
                overrides[key.strip()] = Sequence(value.strip().upper()).value
            except ValueError:
                raise forms.ValidationError(
                    f"line {number}: {line.strip()!r} is not 'SERIES = FLAIR|T1|T1CE|T2'"
                ) from None
        return overrides

    def options(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in IMPORT_OPTIONS if data.get(k)}


def zip_upload_error(upload) -> str:
    """Why an upload cannot be imported ("" when it may), checked before it is stored: a file
    that is no zip archive is refused now, not when a worker reaches it."""
    if not upload.name.lower().endswith(".zip"):
        return f"{upload.name}: upload a .zip file"
    readable = zipfile.is_zipfile(upload)
    upload.seek(0)
    if not readable:
        return f"{upload.name}: not a zip archive (no readable central directory)"
    return ""


class PacsSearchForm(forms.Form):
    """A search of a PACS's studies (the data steward's): at least one criterion."""

    connection = forms.ModelChoiceField(
        queryset=PacsConnection.objects.order_by("name"), empty_label=None
    )
    patient_id = forms.CharField(required=False, max_length=64, label="Patient ID")
    patient_name = forms.CharField(
        required=False, max_length=128, help_text="DICOM wildcards allowed: SMITH*"
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    modality = forms.CharField(required=False, max_length=16, initial="MR")

    def clean(self):
        data = super().clean()
        criteria = ("patient_id", "patient_name", "date_from", "date_to")
        if not any(data.get(name) for name in criteria):
            raise forms.ValidationError(
                "Give a patient ID, a name or a date range: a PACS holds too many studies to "
                "list them all."
            )
        return data

    def query(self) -> StudyQuery:
        data = self.cleaned_data
        return StudyQuery(
            patient_id=data["patient_id"],
            patient_name=data["patient_name"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            modality=data["modality"],
        )


class PullForm(forms.Form):
    connection = forms.ModelChoiceField(queryset=PacsConnection.objects.all())
    studies = forms.MultipleChoiceField(choices=[])  # the search's results, set by the view
    disease = forms.ChoiceField(choices=[("", "not recorded")] + Disease.choices, required=False)

    def __init__(self, *args, study_uids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["studies"].choices = [(uid, uid) for uid in study_uids]

    def clean_studies(self) -> list[str]:
        studies = self.cleaned_data["studies"]
        if bad := [uid for uid in studies if not UID.fullmatch(uid) or len(uid) > 64]:
            raise forms.ValidationError(f"not a StudyInstanceUID: {bad[0]!r}")
        return studies
