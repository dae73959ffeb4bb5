from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView

from reviewer.core.permissions import EXPORT_ROLES, STEWARD_ROLES, RoleRequiredMixin
from reviewer.core.progress import job_state
from reviewer.exports import links, releases, runs
from reviewer.exports.forms import ExportForm, ReleaseForm
from reviewer.exports.jobs import create_export_job
from reviewer.exports.models import ExportJob, ExportRelease
from reviewer.exports.scope import ExportRefused


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


class ResearchExportView(RoleRequiredMixin, FormView):
    """Start an export (the patients named, a dataset version's, or all one may export) and
    list one's own export jobs."""

    allowed_roles = EXPORT_ROLES
    template_name = "exports/research.html"
    form_class = ExportForm

    def get_context_data(self, **kwargs):
        jobs = ExportJob.objects.filter(created_by=self.request.user)[:50]
        hours = round(links.max_age().total_seconds() / 3600)
        return super().get_context_data(jobs=jobs, link_hours=hours, **kwargs)

    def form_valid(self, form):
        try:
            job = create_export_job(
                user=self.request.user,
                patients=form.cleaned_data["patients"],
                dataset_version=form.cleaned_data["dataset_version"],
            )
        except ExportRefused as refused:
            form.add_error(None, str(refused))
            return self.form_invalid(form)
        return redirect("exports:job", pk=job.pk)


class ExportJobView(RoleRequiredMixin, DetailView):
    """One's own export job: live progress, then the download link until it expires."""

    allowed_roles = EXPORT_ROLES
    template_name = "exports/job.html"
    context_object_name = "job"

    def get_queryset(self):
        return ExportJob.objects.filter(created_by=self.request.user)

    def get_context_data(self, **kwargs):
        job = self.object
        expires = links.expires_at(job.token) if job.token else None
        return super().get_context_data(
            state=job_state(job),
            ws_path=f"/ws/exports/{job.pk}/",
            expires_at=expires,
            expired=expires is not None and expires <= timezone.now(),
            **kwargs,
        )


class DownloadView(RoleRequiredMixin, View):
    """The zip of one's own export behind a signed link: 410 once the link has expired, 404
    when it was tampered with, names another's job or the zip is gone."""

    allowed_roles = EXPORT_ROLES

    def get(self, request, token):
        try:
            pk = links.job_pk(token)
        except links.LinkExpired:
            return _refused(request, 410, "This download link has expired. Start the export again.")
        except links.LinkInvalid:
            return _refused(request, 404, "This download link is not valid.")
        job = ExportJob.objects.filter(
            pk=pk, created_by=request.user, status=ExportJob.Status.SUCCEEDED
        ).first()
        path = runs.export_dir() / job.file if job and job.file else None
        if path is None or not path.is_file():
            return _refused(request, 404, "No export of yours behind this link.")
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=f"neuroreview-export-{job.pk}.zip"
        )


def _refused(request, status: int, message: str):
    return render(request, "exports/link_refused.html", {"message": message}, status=status)
