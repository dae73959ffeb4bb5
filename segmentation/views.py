from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from reviewer.cases.models import Patient
from reviewer.core.immutable import ImmutableBinaryView, immutable_gzip_response
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.core.progress import job_state
from segmentation.flow_frames import frames_path
from segmentation.inference_jobs import QueueLimit, create_inference_job, patients_to_segment
from segmentation.models import InferenceJob, Segmentation


class StartInferenceView(RoleRequiredMixin, View):
    """POST from the worklist or the case page: segment all exams of a patient."""

    allowed_roles = CLINICAL_ROLES
    http_method_names = ["post"]

    def post(self, request, pseudonym: str):
        patient = get_object_or_404(patients_to_segment(request.user), pseudonym=pseudonym)
        try:
            job, _ = create_inference_job(user=request.user, patient=patient)
        except QueueLimit as error:
            messages.error(request, str(error))
            return redirect("worklist:case-detail", pseudonym=patient.pseudonym)
        return redirect("segmentation:inference-detail", pk=job.pk)


class InferenceJobView(RoleRequiredMixin, DetailView):
    allowed_roles = CLINICAL_ROLES
    template_name = "segmentation/inferencejob_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return InferenceJob.objects.filter(
            patient__in=patients_to_segment(self.request.user)
        ).select_related("patient", "exam")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            state=job_state(self.object), ws_path=f"/ws/inference/{self.object.pk}/", **kwargs
        )


class FlowFramesView(ImmutableBinaryView):
    """The frames of one slice's flow (viewer contract "Flow frames"), once the flow socket has
    computed them. The key names their content, so the response never changes: gzip-encoded as
    stored, ETag = key, immutable. 403 without the role, 404 when the patient is not visible or
    the key is not one of this segmentation's flows, both before any pixel."""

    @extend_schema(
        operation_id="segmentations_flow_frames_retrieve",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="not modified (If-None-Match)"),
            404: OpenApiResponse(description="not visible, or not one of its flows"),
        },
    )
    def get(self, request, pk: str, key: str):
        visible = Patient.objects.visible_to(request.user)
        shown = Segmentation.objects.filter(exam__patient__in=visible).shown_to(request.user)
        get_object_or_404(shown, pk=pk)
        path = frames_path(pk, key)
        if not path.exists():
            raise Http404(f"segmentation {pk} has no flow frames {key}")
        return immutable_gzip_response(request, key, path)
