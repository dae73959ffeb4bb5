"""The reader-study design form: what a researcher decides, read into a design.Design."""

import datetime

from django import forms
from django.contrib.auth import get_user_model

from reviewer.cases.models import Exam, Patient
from reviewer.core.permissions import CLINICAL_ROLES
from reviewer.studies.design import Design
from reviewer.studies.models import SurveyVersion
from reviewer.studies.models.reader_studies import DEFAULT_INSTRUCTIONS, DEFAULT_WASHOUT


class ExamChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, exam) -> str:
        date = f", {exam.date:%Y-%m-%d}" if exam.date else ""
        return f"{exam.patient.pseudonym} exam {exam.order}{date}"


class ReaderChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.get_username()} ({user.get_role_display()})"


class StudyDesignForm(forms.Form):
    name = forms.CharField(max_length=128)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cases = ExamChoice(queryset=Exam.objects.none(), widget=forms.CheckboxSelectMultiple)
    practice_cases = ExamChoice(
        queryset=Exam.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Read before phase 1 in both arms to learn the reading system; never analysed.",
    )
    readers = ReaderChoice(
        queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple
    )
    crossover = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Half the readers read AI-aided first. Unticked: everyone reads unaided "
        "first, the paper's fixed order and its named bias.",
    )
    washout_days = forms.DecimalField(
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=DEFAULT_WASHOUT.days,
        label="Washout (days)",
        help_text="Between a reader's last phase-1 reading and their phase 2.",
    )
    seed = forms.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        help_text="Of the readers' arms and case orders; empty: a random one, stored.",
    )
    survey_version = forms.ModelChoiceField(
        queryset=SurveyVersion.objects.published().select_related("survey"),
        required=False,
        empty_label="None: readings record their timing only",
        label="Questions of each reading",
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        initial=DEFAULT_INSTRUCTIONS,
        help_text="Shown before each reading session.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        exams = (
            Exam.objects.filter(patient__in=Patient.objects.visible_to(user))
            .select_related("patient")
            .order_by("patient__pseudonym", "order")
        )
        self.fields["cases"].queryset = exams
        self.fields["practice_cases"].queryset = exams
        self.fields["readers"].queryset = (
            get_user_model()
            .objects.filter(role__in=CLINICAL_ROLES, is_active=True)
            .order_by("username")
        )

    def design(self) -> Design:
        data = self.cleaned_data
        settings = {
            "cases": tuple(data["cases"]),
            "practice_cases": tuple(data["practice_cases"]),
            "readers": tuple(data["readers"]),
            "crossover": data["crossover"],
            "washout": datetime.timedelta(days=float(data["washout_days"])),
            "survey_version": data["survey_version"],
            "instructions": data["instructions"],
        }
        if data.get("seed") is not None:
            settings["seed"] = data["seed"]
        return Design(**settings)

    @staticmethod
    def initial_from(version) -> dict:
        """The form's values for an existing version (editing a draft)."""
        cases = list(version.cases.all())
        return {
            "name": version.study.name,
            "description": version.study.description,
            "cases": [case.exam_id for case in cases if not case.practice],
            "practice_cases": [case.exam_id for case in cases if case.practice],
            "readers": list(version.readers.values_list("reader_id", flat=True)),
            "crossover": version.crossover,
            "washout_days": round(version.washout.total_seconds() / 86400, 2),
            "seed": version.seed,
            "survey_version": version.survey_version_id,
            "instructions": version.instructions,
        }
