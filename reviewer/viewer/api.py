"""The exam viewer's endpoints: the manifest of a case, and the voxels of its series and
segmentations under content-hash URLs.

A voxel URL names the sha256 of the stored file, so its response never changes: it is sent
gzip-compressed once and for all (Content-Encoding, decoded by the browser), with an ETag and an
immutable Cache-Control, and a revalidation is answered 304. A sha that is no longer the
object's content is 404, never the new pixels under an old name. Visibility is checked first:
a user without the role gets 403, a patient they may not see 404, both before any pixel."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.cases.models import AcquiredSeries, Patient, Series
from reviewer.core.immutable import ImmutableBinaryView, immutable_gzip_response
from reviewer.core.permissions import CLINICAL_ROLES, role_permission
from reviewer.preprocessing.models import BrainMask
from reviewer.viewer.manifest import ExamNotFound, viewer_manifest
from reviewer.viewer.serializers import ViewerManifestSerializer
from reviewer.viewer.voxel_cache import voxel_file
from segmentation.models import Segmentation


class ManifestQuery(serializers.Serializer):
    exam = serializers.IntegerField(
        required=False, min_value=1, help_text="the current exam's id (default: the latest)"
    )


class CaseViewerView(APIView):
    """The viewer manifest of one patient: the current exam, up to two priors in its space,
    series, segmentations with lesions and their change, flows, the cohort ACC band, alarms."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        parameters=[ManifestQuery],
        responses={
            200: ViewerManifestSerializer,
            400: OpenApiResponse(description="the exam parameter is not an exam id"),
            404: OpenApiResponse(description="not visible, or not an exam of the patient"),
        },
    )
    def get(self, request, pseudonym: str):
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pseudonym=pseudonym)
        query = ManifestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            manifest = viewer_manifest(patient, query.validated_data.get("exam"), user=request.user)
        except ExamNotFound as error:
            raise Http404(str(error)) from error
        return Response(ViewerManifestSerializer(manifest).data)


class VoxelView(ImmutableBinaryView):
    """Raw little-endian voxels of one volume in NIfTI order (i fastest), gzip-encoded; dtype
    and dimensions are in the manifest."""

    model: type[Series] | type[AcquiredSeries] | type[BrainMask] | type[Segmentation]
    patient_path = "exam__patient"

    def shown(self, volumes, user):
        """Of the volumes of patients the user may see, those they may see now."""
        return volumes

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="not modified (If-None-Match)"),
            404: OpenApiResponse(description="not visible, or not the current sha256"),
        }
    )
    def get(self, request, pk: int, sha256: str):
        visible = Patient.objects.visible_to(request.user)
        volumes = self.model.objects.filter(**{f"{self.patient_path}__in": visible})
        volume = get_object_or_404(self.shown(volumes, request.user), pk=pk)
        if sha256 != volume.sha256:
            raise Http404(f"{sha256} is not the content of {self.model._meta.verbose_name} {pk}")
        return immutable_gzip_response(request, volume.sha256, voxel_file(volume))


class SeriesVoxelView(VoxelView):
    model = Series


class AcquiredSeriesVoxelView(VoxelView):
    model = AcquiredSeries


class BrainMaskVoxelView(VoxelView):
    model = BrainMask
    patient_path = "run__exam__patient"


class SegmentationVoxelView(VoxelView):
    model = Segmentation

    def shown(self, volumes, user):
        return volumes.shown_to(user)  # an AI result hidden by a reader study is 404
