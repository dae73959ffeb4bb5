"""The survey page: a survey's current version as a form about one patient or exam, for
clinical readers who may see it. Every question is rendered; a conditional one says when it
applies and carries its condition (data-show-when) for a script to hide it. The server decides:
it validates the posted answers against the version the form showed, branching included, and
shows each problem beside its question. A respondent who answered before sees their latest
response and corrects it: the correction supersedes it."""

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from reviewer.cases.models import Exam, Patient
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.studies import surveys
from reviewer.studies.definitions import describe, option_values, questions
from reviewer.studies.models import Survey, SurveyResponse


class SurveyResponseView(RoleRequiredMixin, TemplateView):
    allowed_roles = CLINICAL_ROLES
    template_name = "studies/respond.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.survey = get_object_or_404(Survey, pk=kwargs["survey"])

    def _subject(self) -> tuple[str, Patient | Exam]:
        visible = Patient.objects.visible_to(self.request.user)
        if "pseudonym" in self.kwargs:
            return "patient", get_object_or_404(visible, pseudonym=self.kwargs["pseudonym"])
        exams = Exam.objects.filter(patient__in=visible).select_related("patient")
        return "exam", get_object_or_404(exams, pk=self.kwargs["exam"])

    def get(self, request, *args, **kwargs):
        version = self.survey.versions.current()
        if version is None:
            raise Http404("this survey has no published version")
        field, subject = self._subject()
        previous = surveys.current_response(self.survey, request.user, **{field: subject})
        return self.render_to_response(
            self._context(version, subject, previous, previous.answers if previous else {}, {})
        )

    def post(self, request, *args, **kwargs):
        field, subject = self._subject()
        version = self.survey.versions.published().filter(pk=request.POST.get("version")).first()
        if version is None:
            raise Http404("no such published version of this survey")
        mine = SurveyResponse.objects.filter(respondent=request.user, survey=self.survey)
        previous = mine.filter(pk=request.POST.get("supersedes") or None).first()
        answers, unreadable = read_answers(version.definition, request.POST)
        errors = dict(unreadable)
        if not errors:
            try:
                surveys.respond(
                    version=version,
                    respondent=request.user,
                    subject=subject,
                    answers=answers,
                    supersedes=previous,
                )
            except surveys.StaleResponse as stale:
                messages.error(request, str(stale))
                return redirect(request.path)
            except surveys.SurveyError as refused:
                errors = refused.problems or {refused.field: [str(refused)]}
            else:
                messages.success(request, f"Your answers to {self.survey} are recorded.")
                return redirect(request.path)
        context = self._context(version, subject, previous, answers, errors)
        return self.render_to_response(context, status=400)

    def _context(self, version, subject, previous, answers, errors):
        rows = question_rows(version.definition, answers, errors)
        known = {row["question"]["id"] for row in rows}
        return self.get_context_data(
            survey=self.survey,
            version=version,
            subject=subject,
            previous=previous,
            rows=rows,
            marks=marks_row(rows),
            manifest_url=_manifest_url(subject),
            other_errors=[m for key, found in errors.items() if key not in known for m in found],
        )


def question_rows(definition, answers, errors) -> list[dict]:
    """Each question of a survey definition as studies/_questions.html renders it: its
    options, the answer so far, its condition in words and as data, and its problems."""
    rows = []
    for question in questions(definition):
        condition = question.get("show_when")
        rows.append(
            {
                "question": question,
                "options": _options(question),
                "value": answers.get(question["id"]),
                "marks_json": json.dumps(answers.get(question["id"], [])),
                "labels_json": json.dumps(question.get("labels", [])),
                "condition": describe(condition) if condition else "",
                "condition_json": json.dumps(condition) if condition else "",
                "errors": errors.get(question["id"], []),
            }
        )
    return rows


def marks_row(rows: list[dict]) -> dict | None:
    """The lesion-marks question a page lets the reader answer in the viewer (the first)."""
    return next((row for row in rows if row["question"]["type"] == "lesion_marks"), None)


def _manifest_url(subject: Patient | Exam) -> str:
    """The viewer of the subject: an exam with its priors, or a patient's latest exam."""
    if isinstance(subject, Exam):
        return reverse("case-viewer", args=[subject.patient.pseudonym]) + f"?exam={subject.pk}"
    return reverse("case-viewer", args=[subject.pseudonym])


def _options(question) -> list[tuple[str, str]]:
    options = question.get("choices", question.get("levels", []))
    return [(str(option["value"]), option["label"]) for option in options]


def read_answers(definition, posted) -> tuple[dict, dict[str, list[str]]]:
    """The answers a posted form gives (question id -> value of the question's type), and what
    could not be read as such."""
    answers, unreadable = {}, {}
    for question in questions(definition):
        name, kind = f"q_{question['id']}", question["type"]
        if kind == "multiple_choice":
            answers[question["id"]] = posted.getlist(name)
            continue
        raw = posted.get(name, "").strip()
        if not raw:
            continue
        if kind == "grade":
            levels = {str(level): level for level in option_values(question)}
            answers[question["id"]] = levels.get(raw, raw)
        elif kind == "number":
            try:
                number = float(raw)
            except ValueError:
                unreadable[question["id"]] = [f"{raw!r} is not a number"]
                continue
            answers[question["id"]] = int(number) if number.is_integer() else number
        elif kind == "lesion_marks":
            try:
                answers[question["id"]] = json.loads(raw)
            except ValueError:
                unreadable[question["id"]] = ['a JSON list [{"position_mm": [x, y, z]}, …]']
        else:
            answers[question["id"]] = posted.get(name)
    return answers, unreadable
