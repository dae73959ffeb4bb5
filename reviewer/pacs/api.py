import dataclasses

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from imaging.dicomweb import StudyQuery
from imaging.errors import ImagingInputError
from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, IMPORT_ROLES, STEWARD_ROLES, role_permission
from reviewer.pacs import connections, sending
from reviewer.pacs.models import PacsConnection
from reviewer.pacs.serializers import (
    PacsConnectionSerializer,
    SentResultSerializer,
    StudyFoundSerializer,
    StudyQuerySerializer,
)
from segmentation.models import Segmentation


class PacsConnectionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The PACS a study may be pulled from (configured by QA admins in the admin). Searching and
    pulling are for the data steward: a PACS answers with names and patient IDs."""

    permission_classes = [role_permission(*IMPORT_ROLES)]
    serializer_class = PacsConnectionSerializer
    queryset = PacsConnection.objects.order_by("name")

    @extend_schema(
        parameters=[StudyQuerySerializer],
        responses={
            200: StudyFoundSerializer(many=True),
            502: OpenApiResponse(description="the PACS refused, failed or cannot be reached"),
        },
    )
    @action(detail=True, methods=["get"], permission_classes=[role_permission(*STEWARD_ROLES)])
    def studies(self, request, pk=None):
        """Search the PACS's studies (QIDO-RS)."""
        connection = self.get_object()
        query = StudyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            found = connections.search(connection, StudyQuery(**query.validated_data))
        except ImagingInputError as error:
            return Response({"detail": str(error)}, status=status.HTTP_502_BAD_GATEWAY)
        rows = [
            {
                **dataclasses.asdict(s),
                "imported": connections.imported_already(s.patient_id, s.study_uid),
            }
            for s in found
        ]
        return Response(StudyFoundSerializer(rows, many=True).data)


class SentResultsView(APIView):
    """What was sent to the PACS about a segmentation (GET), and sending its results (POST):
    SEG, SR, overlays and report, once it has been graded, to the PACS its exam came from."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    def _segmentation(self, request, pk: int) -> Segmentation:
        visible = Patient.objects.visible_to(request.user)
        # an AI result a reader study hides from the user is 404: its results would leave via them
        shown = Segmentation.objects.filter(exam__patient__in=visible).shown_to(request.user)
        return get_object_or_404(shown, pk=pk)

    @extend_schema(responses={200: SentResultSerializer(many=True)})
    def get(self, request, pk: int):
        sent = self._segmentation(request, pk).sent_results.select_related("connection", "sent_by")
        return Response(SentResultSerializer(sent, many=True).data)

    @extend_schema(
        request=None,
        responses={
            201: SentResultSerializer(many=True),
            409: OpenApiResponse(description="not graded, or the exam came from no PACS"),
        },
    )
    def post(self, request, pk: int):
        """One record per series sent; a series the PACS refused is recorded as failed."""
        segmentation = self._segmentation(request, pk)
        try:
            sent = sending.send_results(segmentation, user=request.user)
        except sending.NotSendable as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(SentResultSerializer(sent, many=True).data, status=status.HTTP_201_CREATED)
