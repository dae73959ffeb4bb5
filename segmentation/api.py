from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.response import Response

from reviewer.cases.models import Exam, Patient
from reviewer.core.permissions import CLINICAL_ROLES, role_permission
from reviewer.core.progress import job_state
from segmentation.inference_jobs import QueueLimit, create_inference_job, patients_to_segment
from segmentation.models import InferenceJob, ModelVersion, Segmentation
from segmentation.segmentations import listed_lesions, with_lesion_counts
from segmentation.serializers import LesionQuery, LesionSerializer, SegmentationSerializer


class InferenceJobSerializer(serializers.ModelSerializer):
    patient = serializers.SlugRelatedField(slug_field="pseudonym", queryset=Patient.objects.all())
    exam = serializers.PrimaryKeyRelatedField(  # none: every exam of the patient
        queryset=Exam.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = InferenceJob
        fields = [
            "id", "patient", "exam", "status", "progress", "message", "error", "device",
            "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = ["status", "progress", "message", "error", "device", "finished_at"]

    def validate(self, data):
        exam = data.get("exam")
        if exam is not None and exam.patient_id != data["patient"].pk:
            raise serializers.ValidationError({"exam": "This exam belongs to another patient."})
        return data


class InferenceJobViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Segment a patient's exams (or one exam) with the deployed model versions, on a GPU worker
    when one is there. Progress: GET the job, or the WebSocket /ws/inference/<id>/."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = InferenceJobSerializer

    def get_queryset(self):
        patients = patients_to_segment(self.request.user)
        return InferenceJob.objects.filter(patient__in=patients).select_related("patient")

    @extend_schema(
        responses={
            202: InferenceJobSerializer,
            200: OpenApiResponse(InferenceJobSerializer, "the patient's job already waiting"),
            404: OpenApiResponse(description="no such patient, or one you may not see"),
            429: OpenApiResponse(description="the user's waiting jobs are at the limit"),
        }
    )
    def create(self, request, *args, **kwargs):
        if "patient" in request.data:  # unknown and not visible answer alike: no probing
            pseudonym = str(request.data["patient"])  # NUL: no patient, and PostgreSQL refuses it
            patients = patients_to_segment(request.user)
            if "\x00" in pseudonym or not patients.filter(pseudonym=pseudonym).exists():
                raise Http404("No Patient matches the given query.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job, created = create_inference_job(
                user=request.user,
                patient=serializer.validated_data["patient"],
                exam=serializer.validated_data.get("exam"),
            )
        except QueueLimit as error:
            return Response({"detail": str(error)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        answer = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(self.get_serializer(job).data, status=answer)

    def retrieve(self, request, *args, **kwargs):
        job = self.get_object()
        return Response({**self.get_serializer(job).data, **job_state(job)})


class ModelVersionSerializer(serializers.ModelSerializer):
    """A model version. Its training manifest names the exams and folders it was trained on:
    the data steward reads it whole, everyone else its counts (SECURITY.md)."""

    class Meta:
        model = ModelVersion
        fields = [
            "id", "name", "version", "kind", "target", "sequences", "preset", "sha256",
            "configuration", "training_manifest", "validation_metrics", "deployed_at",
        ]  # fmt: skip

    def to_representation(self, version):
        data = super().to_representation(version)
        if not self.context["request"].user.is_data_steward:
            data["training_manifest"] = _without_sources(data["training_manifest"])
        return data


def _without_sources(training_manifest: dict) -> dict:
    """The training record with its data manifest reduced to counts."""
    manifest = training_manifest.get("manifest") or {}
    counts = {key: len(manifest.get(key) or ()) for key in ("cases", "patients", "excluded")}
    return {**training_manifest, "manifest": {**counts, "sources": "the data steward's"}}


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = ModelVersionSerializer
    queryset = ModelVersion.objects.order_by("target", "kind", "name")
    filterset_fields = ["kind", "target"]


class SegmentationViewSet(viewsets.ReadOnlyModelViewSet):
    """Segmentations of the patients the user may see, each with its lesions and the count of
    its components below the minimum volume; lesions/ lists either, page by page."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = SegmentationSerializer
    filterset_fields = ["exam", "source", "label_scheme"]

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            with_lesion_counts(
                Segmentation.objects.filter(exam__patient__in=visible).shown_to(self.request.user)
            )
            .select_related("model_version", "reader")
            .prefetch_related(Prefetch("lesions", queryset=listed_lesions()), "parts")
            .order_by("pk")
        )


@extend_schema_view(
    get=extend_schema(
        parameters=[LesionQuery],
        responses={
            200: LesionSerializer(many=True),
            400: OpenApiResponse(description="below_minimum is not a boolean"),
            403: OpenApiResponse(description="not logged in, or a role without clinical access"),
            404: OpenApiResponse(description="not visible, or no such segmentation"),
        },
    )
)
class SegmentationLesionsView(generics.ListAPIView):
    """The lesions of a segmentation, largest first; with below_minimum=true, its components
    below the minimum volume instead (counted everywhere, listed only here)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = LesionSerializer
    filter_backends = []

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        segmentation = get_object_or_404(
            Segmentation.objects.filter(exam__patient__in=visible).shown_to(self.request.user),
            pk=self.kwargs["pk"],
        )
        query = LesionQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return listed_lesions(below_minimum=query.validated_data["below_minimum"]).filter(
            segmentation=segmentation
        )
