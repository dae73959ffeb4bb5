from django.views.generic import DetailView, ListView

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.grading.states import ReviewState
from reviewer.studies.models import Survey
from reviewer.worklist.filters import (
    WORKLIST_ORDERING,
    WorklistFilter,
    default_ordering,
    row_statuses,
    worklist_patients,
)
from reviewer.worklist.summary import case_summary


class WorklistView(RoleRequiredMixin, ListView):
    allowed_roles = CLINICAL_ROLES
    template_name = "worklist/patient_list.html"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.filterset = WorklistFilter(
            self.request.GET, queryset=worklist_patients(user), request=self.request
        )
        self.sort = self.request.GET.get("ordering", "")
        if self.sort.lstrip("-") not in WORKLIST_ORDERING:
            self.sort = default_ordering(user)
        return self.filterset.qs.order_by(self.sort, "pseudonym")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statuses = row_statuses(context["object_list"], self.request.user)
        for patient in context["object_list"]:
            patient.review = statuses[patient.pk]
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("ordering", None)
        current = self.sort
        context.update(
            filter=self.filterset,
            review_states=ReviewState.choices,
            query=params.urlencode(),
            ordering=current,
            sort_links={
                key: (
                    _next_sort(key, current),
                    current.lstrip("-") == key,
                    current.startswith("-"),
                )
                for key in WORKLIST_ORDERING
            },
        )
        return context


def _next_sort(key: str, current: str) -> str:
    """Where a column header leads: the other direction of the current sort; the highest risk
    first on a first click."""
    if current.lstrip("-") == key:
        return key if current.startswith("-") else "-" + key
    return "-" + key if key == "risk_score" else key


class CaseDetailView(RoleRequiredMixin, DetailView):
    """The case summary: exams, what is reviewed, open alarms, volumes over time. Invisible
    patients are 404."""

    allowed_roles = CLINICAL_ROLES
    template_name = "worklist/patient_detail.html"
    slug_field = slug_url_kwarg = "pseudonym"
    context_object_name = "patient"

    def get_queryset(self):
        return Patient.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        (review,) = row_statuses([self.object], self.request.user).values()
        # the surveys a reader can answer about the patient (a published version each)
        surveys = Survey.objects.filter(versions__published_at__isnull=False).distinct()
        return super().get_context_data(
            summary=case_summary(self.object, self.request.user),
            review=review,
            surveys=surveys,
            **kwargs,
        )
