from django.views.generic import DetailView, ListView

from reviewer.cases.filters import WORKLIST_ORDERING, PatientFilter
from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.worklist.summary import case_summary


class WorklistView(RoleRequiredMixin, ListView):
    allowed_roles = CLINICAL_ROLES
    template_name = "worklist/patient_list.html"
    paginate_by = 25

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user).with_worklist_columns()
        self.filterset = PatientFilter(self.request.GET, queryset=visible)
        ordering = self.request.GET.get("ordering", "")
        if ordering.lstrip("-") not in WORKLIST_ORDERING:
            ordering = "pseudonym"
        return self.filterset.qs.order_by(ordering, "pseudonym")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        current = params.pop("ordering", [""])[0]
        context.update(
            filter=self.filterset,
            query=params.urlencode(),
            ordering=current,
            sort_links={
                key: (
                    "-" + key if current == key else key,
                    current.lstrip("-") == key,
                    current.startswith("-"),
                )
                for key in WORKLIST_ORDERING
            },
        )
        return context


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
        return super().get_context_data(summary=case_summary(self.object), **kwargs)
