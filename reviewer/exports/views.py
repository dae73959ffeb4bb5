from django.shortcuts import redirect
from django.views.generic import FormView

from reviewer.core.permissions import STEWARD_ROLES, RoleRequiredMixin
from reviewer.exports import releases
from reviewer.exports.forms import ReleaseForm
from reviewer.exports.models import ExportRelease


class ReleaseView(RoleRequiredMixin, FormView):
    """The data steward's releases for research export: every decision, newest first, and the
    form that records one more (a revocation is a new row)."""

    allowed_roles = STEWARD_ROLES
    template_name = "exports/releases.html"
    form_class = ReleaseForm

    def get_context_data(self, **kwargs):
        decided = ExportRelease.objects.select_related(
            "patient", "dataset_version__dataset", "researcher", "decided_by"
        )
        return super().get_context_data(releases=decided[:200], **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            releases.decide(
                action=data["action"],
                steward=self.request.user,
                patient=data["patient"],
                dataset_version=data["dataset_version"],
                researcher=data["researcher"],
                note=data["note"],
            )
        except releases.ReleaseRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
            return self.form_invalid(form)
        return redirect("exports:releases")
