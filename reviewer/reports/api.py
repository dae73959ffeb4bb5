from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.core.permissions import EXPORT_ROLES, role_permission
from reviewer.reports.exports import export_rows


class CaseExportView(APIView):
    """De-identified case table for research: one row per series, no dates, no identifiers."""

    permission_classes = [role_permission(*EXPORT_ROLES)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(export_rows(request.user))
