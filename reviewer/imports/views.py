from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, TemplateView

from imaging.errors import ImagingInputError
from reviewer.cases.models import Disease
from reviewer.core.permissions import IMPORT_ROLES, STEWARD_ROLES, RoleRequiredMixin
from reviewer.core.progress import job_state
from reviewer.imports.forms import ImportForm, PacsSearchForm, PullForm
from reviewer.imports.jobs import create_import_job, create_pull_job
from reviewer.imports.models import ImportJob
from reviewer.pacs import connections
from reviewer.pacs.models import PacsConnection


class ImportView(RoleRequiredMixin, FormView):
    allowed_roles = IMPORT_ROLES
    template_name = "imports/importjob_list.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        jobs = ImportJob.objects.order_by("-created_at")
        if not self.request.user.is_data_steward:
            jobs = jobs.filter(created_by=self.request.user)
        return super().get_context_data(
            jobs=jobs[:50],
            may_pull=self.request.user.is_data_steward and PacsConnection.objects.exists(),
            **kwargs,
        )

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


class PacsPullView(RoleRequiredMixin, TemplateView):
    """Search a PACS and pull studies from it (the data steward: a PACS answers with names and
    patient IDs). A pull is an import job: its page follows it live."""

    allowed_roles = STEWARD_ROLES
    template_name = "imports/pacs_pull.html"

    def get_context_data(self, **kwargs):
        search = PacsSearchForm(self.request.GET or None)
        found, error = [], ""
        if search.is_valid():
            connection = search.cleaned_data["connection"]
            try:
                studies = connections.search(connection, search.query())
                found = [
                    (study, connections.imported_already(study.patient_id, study.study_uid))
                    for study in sorted(studies, key=lambda s: s.study_date, reverse=True)
                ]
            except ImagingInputError as failure:
                error = str(failure)
        return super().get_context_data(
            search=search,
            found=found,
            pullable=any(not imported for _, imported in found),
            error=error,
            diseases=Disease.choices,
            **kwargs,
        )

    def post(self, request):
        pull = PullForm(request.POST, study_uids=request.POST.getlist("studies"))
        if not pull.is_valid():
            return self.render_to_response(self.get_context_data(pull_errors=pull.errors))
        data = pull.cleaned_data
        job = create_pull_job(
            user=request.user,
            connection=data["connection"],
            studies=data["studies"],
            options={"disease": data["disease"]} if data["disease"] else {},
        )
        return redirect("imports:import-detail", pk=job.pk)
