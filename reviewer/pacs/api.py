import dataclasses

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from imaging.dicomweb import StudyQuery
from imaging.errors import ImagingInputError
from reviewer.core.permissions import IMPORT_ROLES, STEWARD_ROLES, role_permission
from reviewer.pacs import connections
from reviewer.pacs.models import PacsConnection
from reviewer.pacs.serializers import (
    PacsConnectionSerializer,
    StudyFoundSerializer,
    StudyQuerySerializer,
)


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
