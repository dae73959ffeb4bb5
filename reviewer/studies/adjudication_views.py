"""The adjudication page of a reader study version (S-13, S-14): its cases with their distinct
lesions, who found each in which phase, the adjudicators' labels and the consensus, the open
disagreements on top; and the forms that colocalise, merge, split, label and designate.

It shows every reader's marks, so it is the study's researcher's and the designated
adjudicators' alone (reviewer.studies.adjudication): to anyone else it is 404, and to one of
them who still has readings of the version to finish, 403 until they are read (S-07). The
forms post here; a refusal renders the page again with the reason, as 400."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.generic import TemplateView

from reviewer.studies import adjudication
from reviewer.studies.adjudication import AdjudicationError
from reviewer.studies.models import AdjudicationLabel, StudyLesion, StudyLesionMark, StudyVersion


class AdjudicationView(LoginRequiredMixin, TemplateView):
    template_name = "studies/adjudication.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.version = get_object_or_404(
            StudyVersion.objects.select_related("study"),
            study_id=kwargs["study"],
            number=kwargs["number"],
        )
        if adjudication.role_in(request.user, self.version) is None:
            raise Http404("no such study version")
        try:
            self.role = adjudication.check_may_see(request.user, self.version)
        except AdjudicationError as refused:
            context = {"version": self.version, "study": self.version.study, "closed": refused}
            return TemplateResponse(request, self.template_name, context, status=403)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return self._refused(f"{request.POST.get('action')!r} is not an action here")
        try:
            done = action(self, request.POST)
        except AdjudicationError as refused:
            return self._refused(str(refused))
        messages.success(request, done)
        return redirect(request.path)

    def _refused(self, message: str):
        return self.render_to_response(self.get_context_data(refusal=message), status=400)

    def _lesions(self, posted, name: str) -> list[StudyLesion]:
        try:
            wanted = [int(value) for value in posted.getlist(name)]
        except ValueError as error:
            raise AdjudicationError(f"{name}: lesion numbers", name) from error
        found = list(self.version.lesions.filter(pk__in=wanted))
        missing = set(wanted) - {lesion.pk for lesion in found}
        if missing:
            raise AdjudicationError(f"{name}: no lesions {sorted(missing)} in {self.version}", name)
        return found

    def _one_lesion(self, posted) -> StudyLesion:
        lesions = self._lesions(posted, "lesion")
        if len(lesions) != 1:
            raise AdjudicationError("lesion: name one lesion", "lesion")
        return lesions[0]

    def _colocalise(self, posted) -> str:
        revision = adjudication.colocalise(self.version, by=self.request.user)
        if revision is None:
            return "The lesions were up to date with the finished readings: nothing changed."
        return f"Colocalised: revision {revision.number}."

    def _merge(self, posted) -> str:
        merged = adjudication.merge(self._lesions(posted, "lesions"), by=self.request.user)
        return f"Merged into lesion {merged.pk}."

    def _split(self, posted) -> str:
        lesion = self._one_lesion(posted)
        try:
            marks = [int(value) for value in posted.getlist("marks")]
        except ValueError as error:
            raise AdjudicationError("marks: mark numbers", "marks") from error
        first, second = adjudication.split(lesion, marks, by=self.request.user)
        return f"Split lesion {lesion.pk} into lesions {first.pk} and {second.pk}."

    def _label(self, posted) -> str:
        lesion = self._one_lesion(posted)
        mine = AdjudicationLabel.objects.filter(lesion=lesion, adjudicator=self.request.user)
        supersedes = mine.filter(pk=posted.get("supersedes") or None).first()
        value = posted.get("value", "")
        adjudication.label(
            lesion, adjudicator=self.request.user, value=value, supersedes=supersedes
        )
        return f"Lesion {lesion.pk}: {value.upper()}."

    def _designate(self, posted) -> str:
        user = get_user_model().objects.filter(pk=posted.get("user") or None).first()
        if user is None:
            raise AdjudicationError("user: choose a user to designate", "user")
        adjudication.designate(self.version, user, by=self.request.user)
        return f"{user} adjudicates {self.version}."

    def get_context_data(self, **kwargs):
        version, user = self.version, self.request.user
        matrix = adjudication.lesion_matrix(version)
        adjudicators = list(version.adjudicators.select_related("user").order_by("user__username"))
        marks = defaultdict(list)
        for mark in StudyLesionMark.objects.filter(
            lesion__in=[row.lesion for row in matrix.rows]
        ).select_related("reading__reader"):
            marks[mark.lesion_id].append(mark)
        cases = {
            case.pk: {"case": case, "rows": []}
            for case in version.cases.filter(practice=False)
            .select_related("exam__patient")
            .order_by("exam")
        }
        for row in matrix.rows:
            cases[row.lesion.case_id]["rows"].append(
                {
                    "lesion": row.lesion,
                    "found": [row.found[(r.pk, p)] for r in matrix.readers for p in matrix.phases],
                    "consensus": row.consensus,
                    "labels": [row.consensus.labels.get(a.user_id) for a in adjudicators],
                    "mine": row.consensus.labels.get(user.pk),
                    "marks": sorted(marks[row.lesion.pk], key=_by_reader_and_phase),
                }
            )
        states = [row.consensus.state for row in matrix.rows]
        designated = {a.user_id for a in adjudicators}
        context = super().get_context_data(**kwargs)
        context.update(
            version=version,
            study=version.study,
            role=self.role,
            is_adjudicator=user.pk in designated,
            readers=matrix.readers,
            phases=matrix.phases,
            cases=list(cases.values()),
            adjudicators=adjudicators,
            candidates=get_user_model()
            .objects.filter(role__in=adjudication.ADJUDICATOR_ROLES, is_active=True)
            .exclude(pk__in=designated)
            .order_by("username"),
            disputed=[row for row in matrix.rows if row.consensus.state == adjudication.DISPUTED],
            counts={
                state: states.count(state)
                for state in (
                    adjudication.TP,
                    adjudication.FP,
                    adjudication.PENDING,
                    adjudication.DISPUTED,
                )
            },  # fmt: skip
            up_to_date=version.survey_version is None or _up_to_date(version),
        )
        return context


def _up_to_date(version: StudyVersion) -> bool:
    try:
        return adjudication.is_up_to_date(version)
    except AdjudicationError:
        return True  # no lesion-marks question: nothing to colocalise


def _by_reader_and_phase(mark: StudyLesionMark):
    return (mark.reading.reader.username, mark.reading.phase, mark.index)


ACTIONS = {
    "colocalise": AdjudicationView._colocalise,
    "merge": AdjudicationView._merge,
    "split": AdjudicationView._split,
    "label": AdjudicationView._label,
    "designate": AdjudicationView._designate,
}
