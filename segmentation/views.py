from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView

from reviewer.models import Patient
from reviewer.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.services.progress import job_state
from segmentation.inference_jobs import create_inference_job
from segmentation.models import InferenceJob


class StartInferenceView(RoleRequiredMixin, View):
    """POST from the worklist or the case page: segment all exams of a patient."""

    allowed_roles = CLINICAL_ROLES
    http_method_names = ["post"]

    def post(self, request, pseudonym: str):
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pseudonym=pseudonym)
        job = create_inference_job(user=request.user, patient=patient)
        return redirect("segmentation:inference-detail", pk=job.pk)


class InferenceJobView(RoleRequiredMixin, DetailView):
    allowed_roles = CLINICAL_ROLES
    template_name = "segmentation/inferencejob_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return InferenceJob.objects.filter(
            patient__in=Patient.objects.visible_to(self.request.user)
        ).select_related("patient", "exam")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=job_state(self.object), ws_path=f"/ws/inference/{self.object.pk}/", **kwargs
        )
