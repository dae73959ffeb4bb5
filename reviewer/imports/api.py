from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.core.permissions import IMPORT_ROLES, STEWARD_ROLES, role_permission
from reviewer.core.progress import job_state
from reviewer.imports.forms import IMPORT_OPTIONS
from reviewer.imports.jobs import create_import_job, create_pull_job
from reviewer.imports.models import ImportJob
from reviewer.imports.serializers import (
    ImportJobSerializer,
    PullSerializer,
)
from reviewer.pacs.models import PacsConnection


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

    queryset = ImportJob.objects.none()  # the schema's model; requests get get_queryset's

    def get_queryset(self):
        jobs = ImportJob.objects.prefetch_related("patients").order_by("-created_at")
        user = self.request.user
        return jobs if user.is_data_steward else jobs.filter(created_by=user)

    @extend_schema(
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="the upload or an option is refused, field by field"),
            413: OpenApiResponse(description="the upload is larger than the limit"),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = {k: data[k] for k in IMPORT_OPTIONS if data.get(k)}
        job = create_import_job(
            user=request.user, kind=data["kind"], upload=data["file"], options=options
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request, *args, **kwargs):
        job = self.get_object()
        return Response({**self.get_serializer(job).data, **job_state(job)})


class PullView(APIView):
    """Retrieve studies from a PACS (WADO-RS) and import them as a DICOM upload is imported
    (the data steward's: a pull is an import job, followed on its page)."""

    permission_classes = [role_permission(*STEWARD_ROLES)]

    @extend_schema(request=PullSerializer, responses={202: ImportJobSerializer})
    def post(self, request, pk: int):
        connection = get_object_or_404(PacsConnection, pk=pk)
        pull = PullSerializer(data=request.data)
        pull.is_valid(raise_exception=True)
        data = pull.validated_data
        job = create_pull_job(
            user=request.user,
            connection=connection,
            studies=data["studies"],
            options={"disease": data["disease"]} if data.get("disease") else {},
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
