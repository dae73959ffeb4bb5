from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.core.permissions import EXPORT_ROLES, role_permission
from reviewer.reports.exports import export_rows
from reviewer.reports.quality import QUALITY_ROLES, quality_dashboard
from reviewer.reports.serializers import CaseExportRowSerializer, QualityDashboardSerializer


class CaseExportView(APIView):
    """De-identified case table for research: one row per series, no dates, no identifiers."""

    permission_classes = [role_permission(*EXPORT_ROLES)]

    @extend_schema(responses={200: CaseExportRowSerializer(many=True)})
    def get(self, request):
        return Response(CaseExportRowSerializer(export_rows(request.user), many=True).data)


class QualityDashboardView(APIView):
    """The QA dashboard's figures: acceptance and grades per model version (EASE Tables 2 and
    4), lesion verdicts per region, alarm verdicts per kind. QA admins only."""

    permission_classes = [role_permission(*QUALITY_ROLES)]

    @extend_schema(
        responses={
            200: QualityDashboardSerializer,
            403: OpenApiResponse(description="not logged in, or not a QA admin"),
        }
    )
    def get(self, request):
        return Response(QualityDashboardSerializer(quality_dashboard(request.user)).data)
