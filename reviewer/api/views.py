from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.api.serializers import (
    ExamSerializer,
    ImportJobSerializer,
    PatientDetailSerializer,
    PatientSerializer,
    SegmentationSerializer,
)
from reviewer.filters import WORKLIST_ORDERING, PatientFilter
from reviewer.models import Exam, ImportJob, Patient, Segmentation, Series
from reviewer.permissions import CLINICAL_ROLES, EXPORT_ROLES, IMPORT_ROLES, role_permission
from reviewer.services.exports import export_rows
from reviewer.services.import_jobs import create_import_job
from reviewer.services.progress import job_state


class PatientViewSet(viewsets.ReadOnlyModelViewSet):
    """The worklist: patients visible to the user, with their exams."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    filterset_class = PatientFilter
    lookup_field = "pseudonym"
    ordering_fields = WORKLIST_ORDERING
    ordering = ["pseudonym"]

    def get_queryset(self):
        queryset = Patient.objects.visible_to(self.request.user).with_worklist_columns()
        if self.action == "retrieve":
            series = Prefetch("series", queryset=Series.objects.order_by("sequence"))
            exams = Prefetch("exams", queryset=Exam.objects.prefetch_related(series))
            queryset = queryset.prefetch_related(exams)
        return queryset

    def get_serializer_class(self):
        return PatientDetailSerializer if self.action == "retrieve" else PatientSerializer


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = ExamSerializer
    filterset_fields = {"patient__pseudonym": ["exact"], "order": ["exact"]}

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            Exam.objects.filter(patient__in=visible)
            .select_related("patient")
            .prefetch_related("series")
            .order_by("patient__pseudonym", "order")
        )


class SegmentationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = SegmentationSerializer
    filterset_fields = ["exam", "source", "label_scheme"]

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            Segmentation.objects.filter(exam__patient__in=visible)
            .select_related("model_version", "reader")
            .prefetch_related("lesions")
            .order_by("pk")
        )


class ImportJobViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Upload a zip (BraTS folder or DICOM files); a worker imports it, all or nothing."""

    permission_classes = [role_permission(*IMPORT_ROLES)]
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        jobs = ImportJob.objects.prefetch_related("patients").order_by("-created_at")
        user = self.request.user
        return jobs if user.is_data_steward else jobs.filter(created_by=user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = {k: data[k] for k in ("label_scheme", "sequence_overrides") if data.get(k)}
        job = create_import_job(
            user=request.user, kind=data["kind"], upload=data["file"], options=options
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request, *args, **kwargs):
        job = self.get_object()
        return Response({**self.get_serializer(job).data, **job_state(job)})


class CaseExportView(APIView):
    """De-identified case table for research: one row per series, no dates, no identifiers."""

    permission_classes = [role_permission(*EXPORT_ROLES)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(export_rows(request.user))
