from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from reviewer.core.permissions import CLINICAL_ROLES, role_permission
from reviewer.worklist.filters import (
    WORKLIST_ORDERING,
    WorklistFilter,
    default_ordering,
    row_statuses,
    worklist_patients,
)
from reviewer.worklist.serializers import WorklistRowSerializer


@extend_schema_view(
    list=extend_schema(
        responses={
            200: WorklistRowSerializer(many=True),
            400: OpenApiResponse(description="an invalid filter value, named in the answer"),
            403: OpenApiResponse(description="not logged in, or not a clinical role"),
        }
    )
)
class WorklistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The worklist as the page shows it: the patients the user may see with their risk score
    and review state; filter to `mine=true` (the user's open cases) or a `review` state, sort by
    `ordering` (a radiologist's default: `-risk_score`, the highest risk first)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = WorklistRowSerializer
    filterset_class = WorklistFilter
    ordering_fields = WORKLIST_ORDERING

    @property
    def ordering(self):
        return [default_ordering(self.request.user), "pseudonym"]

    def get_queryset(self):
        return worklist_patients(self.request.user)

    def filter_queryset(self, queryset):
        # ties (equal risk, equal exam counts) in a fixed order, so that pages never overlap
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pseudonym")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "statuses": row_statuses(page, request.user)}
        rows = self.get_serializer_class()(page, many=True, context=context)
        return self.get_paginated_response(rows.data)
