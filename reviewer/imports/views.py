from django.shortcuts import redirect
from django.views.generic import DetailView, FormView

from reviewer.core.permissions import IMPORT_ROLES, RoleRequiredMixin
from reviewer.core.progress import job_state
from reviewer.imports.forms import ImportForm
from reviewer.imports.jobs import create_import_job
from reviewer.imports.models import ImportJob


class ImportView(RoleRequiredMixin, FormView):
    allowed_roles = IMPORT_ROLES
    template_name = "imports/importjob_list.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        jobs = ImportJob.objects.order_by("-created_at")
        if not self.request.user.is_data_steward:
            jobs = jobs.filter(created_by=self.request.user)
        return super().get_context_data(jobs=jobs[:50], **kwargs)

    def form_valid(self, form):
        job = create_import_job(
            user=self.request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            options=form.options(),
        )
        return redirect("imports:import-detail", pk=job.pk)


class ImportDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = IMPORT_ROLES
    template_name = "imports/importjob_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        jobs = ImportJob.objects.all()
        user = self.request.user
        return jobs if user.is_data_steward else jobs.filter(created_by=user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=job_state(self.object), ws_path=f"/ws/imports/{self.object.pk}/", **kwargs
        )
