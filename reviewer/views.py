import csv

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, RedirectView, TemplateView

from reviewer.filters import WORKLIST_ORDERING, PatientFilter
from reviewer.forms import ImportForm
from reviewer.models import Exam, ImportJob, Patient, Role, Segmentation, Series
from reviewer.permissions import (
    CLINICAL_ROLES,
    EXPORT_ROLES,
    IMPORT_ROLES,
    OPERATOR_ROLES,
    RoleRequiredMixin,
)
from reviewer.services.exports import EXPORT_COLUMNS, export_rows
from reviewer.services.health import health
from reviewer.services.import_jobs import create_import_job
from reviewer.services.progress import job_state


class HomeView(LoginRequiredMixin, RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        role = self.request.user.role
        return "/exports/" if role == Role.RESEARCHER else "/worklist/"


class WorklistView(RoleRequiredMixin, ListView):
    allowed_roles = CLINICAL_ROLES
    template_name = "reviewer/patient_list.html"
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
    """One patient's exams, series and reference lesions. Invisible patients are 404."""

    allowed_roles = CLINICAL_ROLES
    template_name = "reviewer/patient_detail.html"
    slug_field = slug_url_kwarg = "pseudonym"
    context_object_name = "patient"

    def get_queryset(self):
        segmentations = Prefetch(
            "segmentations",
            queryset=Segmentation.objects.prefetch_related("lesions").order_by("pk"),
        )
        exams = Prefetch(
            "exams",
            queryset=Exam.objects.prefetch_related(
                Prefetch("series", queryset=Series.objects.order_by("sequence")),
                segmentations,
                "alarms",
            ),
        )
        return Patient.objects.visible_to(self.request.user).prefetch_related(exams)


class ViewerView(RoleRequiredMixin, DetailView):
    """The exam viewer page: a shell that the frontend fills from the manifest endpoint.
    ?exam=<id> picks the current exam (default: the latest)."""

    allowed_roles = CLINICAL_ROLES
    template_name = "reviewer/viewer.html"
    slug_field = slug_url_kwarg = "pseudonym"
    context_object_name = "patient"

    def get_queryset(self):
        return Patient.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        manifest_url = reverse("case-viewer", args=[self.object.pseudonym])
        exam = self.request.GET.get("exam")
        if exam is not None:
            if not (exam.isdigit() and self.object.exams.filter(pk=int(exam)).exists()):
                raise Http404(f"exam {exam!r} is not an exam of patient {self.object}")
            manifest_url += f"?exam={int(exam)}"
        return super().get_context_data(manifest_url=manifest_url, **kwargs)


class ImportView(RoleRequiredMixin, FormView):
    allowed_roles = IMPORT_ROLES
    template_name = "reviewer/importjob_list.html"
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
        return redirect("reviewer:import-detail", pk=job.pk)


class ImportDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = IMPORT_ROLES
    template_name = "reviewer/importjob_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        jobs = ImportJob.objects.all()
        user = self.request.user
        return jobs if user.is_data_steward else jobs.filter(created_by=user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=job_state(self.object), ws_path=f"/ws/imports/{self.object.pk}/", **kwargs
        )


class ExportView(RoleRequiredMixin, TemplateView):
    allowed_roles = EXPORT_ROLES
    template_name = "reviewer/export_list.html"

    def get_context_data(self, **kwargs):
        rows = export_rows(self.request.user)
        return super().get_context_data(
            columns=EXPORT_COLUMNS,
            rows=rows[:20],
            row_count=len(rows),
            patient_count=len({r["pseudonym"] for r in rows}),
            **kwargs,
        )


class ExportCsvView(RoleRequiredMixin, TemplateView):
    allowed_roles = EXPORT_ROLES

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="neuroreview-cases.csv"'
        writer = csv.DictWriter(response, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(export_rows(request.user))
        return response


class HealthView(RoleRequiredMixin, TemplateView):
    allowed_roles = OPERATOR_ROLES
    template_name = "reviewer/health.html"

    def get(self, request, *args, **kwargs):
        report = health()
        if request.GET.get("format") == "json":
            return JsonResponse(report, status=200 if report["ok"] else 503)
        return self.render_to_response(self.get_context_data(report=report))
