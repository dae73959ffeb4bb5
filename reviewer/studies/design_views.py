"""Reader-study pages for researchers: the studies, a new design, a study with each version's
readers and their progress, and the actions of a version's life: change a draft, start it,
end it, revise it into a new version.

A study is the business of the researcher who designed it and of the data steward; to anyone
else it is 404. Starting a version grants its readers the case patients (they read them)."""

import functools

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from reviewer.cases.permissions import grant_patient
from reviewer.core.models import Role
from reviewer.core.permissions import RoleRequiredMixin
from reviewer.studies import clock, design, readings
from reviewer.studies.forms import StudyDesignForm
from reviewer.studies.models import Study, StudyVersion
from reviewer.studies.roles import EVERY_ROLE, STUDY_DESIGNERS


def studies_of(user):
    """The studies a designer may open: their own; the data steward, every one."""
    if user.role == Role.ADMIN:
        return Study.objects.all()
    return Study.objects.filter(created_by=user)


def reader_progress(version: StudyVersion) -> list[dict]:
    """Per reader of a started version: their first arm, readings done per phase, and when
    their phase 2 opens."""
    rows = []
    for enrolment in version.readers.select_related("reader"):
        phases = {row.phase: row for row in readings.progress(enrolment.reader, version)}
        rows.append(
            {
                "reader": enrolment.reader,
                "first_arm": enrolment.get_first_arm_display(),
                "phases": [phases.get(phase) for phase in (0, 1, 2)],
                "washout_ends": readings.washout_ends(enrolment.reader, version),
            }
        )
    return rows


class StudyListView(RoleRequiredMixin, TemplateView):
    """Every user: the studies they read in, with their next step; designers: their studies."""

    allowed_roles = EVERY_ROLE
    template_name = "studies/study_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        reading = StudyVersion.objects.filter(
            readers__reader=user, locked_at__isnull=False
        ).select_related("study")
        designed = None
        if user.role in STUDY_DESIGNERS:
            designed = studies_of(user).prefetch_related("versions")
        return super().get_context_data(
            reading=[_reader_row(user, version) for version in reading],
            designed=designed,
            may_design=user.role in STUDY_DESIGNERS,
            **kwargs,
        )


def _reader_row(user, version: StudyVersion) -> dict:
    phases = readings.progress(user, version)
    done = sum(phase.done for phase in phases)
    total = sum(phase.total for phase in phases)
    state, opens = "done", None
    if version.ended_at is not None:
        state = "ended"
    elif done < total:
        try:
            readings.next_reading(user, version, clock.now())
            state = "read"
        except readings.WashoutPending as pending:
            state, opens = "washout", pending.until
    return {"version": version, "done": done, "total": total, "state": state, "opens": opens}


class DesignerMixin(RoleRequiredMixin):
    allowed_roles = STUDY_DESIGNERS

    def study(self) -> Study:
        return get_object_or_404(studies_of(self.request.user), pk=self.kwargs["study"])

    def version(self) -> StudyVersion:
        return get_object_or_404(
            StudyVersion.objects.select_related("study"),
            study=self.study(),
            number=self.kwargs["number"],
        )


class StudyCreateView(DesignerMixin, FormView):
    template_name = "studies/study_design.html"
    form_class = StudyDesignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            with transaction.atomic():
                version = design.create_study(
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    user=self.request.user,
                    design=form.design(),
                )
        except design.StudyError as refused:
            form.add_error(_form_field(form, refused.field), str(refused))
            return self.form_invalid(form)
        except IntegrityError:
            form.add_error("name", "another study has this name")
            return self.form_invalid(form)
        messages.success(self.request, f"{version} is a draft: check it, then start it.")
        return redirect("studies:study", study=version.study_id)


class DraftEditView(DesignerMixin, FormView):
    """Change a draft in place; a started version is changed by revising it."""

    template_name = "studies/study_design.html"
    form_class = StudyDesignForm

    @functools.cached_property
    def draft(self) -> StudyVersion:
        version = self.version()
        if version.locked_at is not None:
            raise Http404(f"{version} is started: revise the study to change it")
        return version

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return StudyDesignForm.initial_from(self.draft)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for name in ("name", "description"):  # the study's, not the version's
            form.fields[name].disabled = True
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(version=self.draft, **kwargs)

    def form_valid(self, form):
        changes = form.design()
        try:
            design.change_draft(
                self.draft, **{field: getattr(changes, field) for field in _DESIGN_FIELDS}
            )
        except design.StudyError as refused:
            form.add_error(_form_field(form, refused.field), str(refused))
            return self.form_invalid(form)
        messages.success(self.request, f"{self.draft} is changed.")
        return redirect("studies:study", study=self.draft.study_id)


_DESIGN_FIELDS = ("cases", "practice_cases", "readers", *design.SETTINGS)


def _form_field(form, field: str) -> str | None:
    return field if field in form.fields else None


class StudyDetailView(DesignerMixin, TemplateView):
    template_name = "studies/study_detail.html"

    def get_context_data(self, **kwargs):
        study = self.study()
        versions = list(study.versions.order_by("-number"))
        rows = []
        for version in versions:
            cases = list(version.cases.select_related("exam__patient"))
            rows.append(
                {
                    "version": version,
                    "cases": [case for case in cases if not case.practice],
                    "practice": [case for case in cases if case.practice],
                    "readers": reader_progress(version)
                    if version.locked_at
                    else list(version.readers.select_related("reader")),
                }
            )
        # the URL's study id comes in kwargs; the page needs the study
        return super().get_context_data(**{**kwargs, "study": study, "versions": rows})


class VersionActionView(DesignerMixin, View):
    """POST: start, end or revise a version; the outcome is said on the study page."""

    def post(self, request, study, number, action):
        version = self.version()
        try:
            if action == "start":
                with transaction.atomic():
                    design.start(version, now=clock.now())
                    for case in version.cases.select_related("exam__patient"):
                        for enrolment in version.readers.select_related("reader"):
                            grant_patient(case.exam.patient, enrolment.reader)
                messages.success(request, f"{version} started: its readers can read now.")
            elif action == "end":
                design.end(version, now=clock.now())
                messages.success(request, f"{version} ended: no reading is served after.")
            elif action == "revise":
                newest = version.study.versions.order_by("-number").first()
                draft = design.revise(
                    version.study, user=request.user, note=request.POST.get("note", "")
                )
                messages.success(request, f"{draft} copies {newest}: change it, then start it.")
                return redirect("studies:edit", study=study, number=draft.number)
            else:  # the URL admits only the three
                raise Http404(f"no action {action!r}")
        except design.StudyError as refused:
            messages.error(request, str(refused))
        return redirect(reverse("studies:study", args=[study]) + f"#v{number}")
