"""Preprocessing runs: every clinical role reads those of the patients it sees; QA admins (and
the data steward) reject a run's result and start a new run with other parameters."""

import dataclasses

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, OPERATOR_ROLES, has_role, role_permission
from reviewer.preprocessing import services
from reviewer.preprocessing.models import PreprocessingRun
from reviewer.preprocessing.serializers import (
    PreprocessingRunSerializer,
    RejectionSerializer,
    RerunSerializer,
)


class PreprocessingRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """An exam's preprocessing runs, newest first (?exam=<id>)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = PreprocessingRunSerializer
    queryset = PreprocessingRun.objects.none()  # the schema's model; requests get get_queryset's
    filterset_fields = ["exam"]

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            PreprocessingRun.objects.filter(exam__patient__in=visible)
            .select_related("brain_mask", "rejected_by")
            .order_by("-pk")
        )

    @extend_schema(
        request=RerunSerializer,
        responses={
            202: PreprocessingRunSerializer,
            409: OpenApiResponse(description="the exam may not be run again now, and why"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Run the exam's steps again with these parameters (QA admins)."""
        self._operators_only(request)
        data = self._valid(RerunSerializer, request)
        exam = data.pop("exam")
        if not Patient.objects.visible_to(request.user).filter(pk=exam.patient_id).exists():
            raise NotFound(f"exam {exam.pk} is not visible to you")
        parameters = dataclasses.replace(services.default_parameters(), **data)
        try:
            run = services.queue(exam, user=request.user, parameters=parameters)
        except services.RunRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=RejectionSerializer,
        responses={
            200: PreprocessingRunSerializer,
            409: OpenApiResponse(description="not the exam's finished latest run, or rejected"),
        },
    )
    @action(detail=True, methods=["post"])
    def rejection(self, request, pk=None):
        """Reject the run's result (a bad brain mask, say): models skip the exam until a new
        run replaces it (QA admins)."""
        self._operators_only(request)
        run = self.get_object()
        reason = self._valid(RejectionSerializer, request)["reason"]
        try:
            run = services.reject(run, user=request.user, reason=reason)
        except services.RunRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(run).data)

    @staticmethod
    def _operators_only(request) -> None:
        if not has_role(request.user, OPERATOR_ROLES):
            raise PermissionDenied("Only QA admins may reject or re-run preprocessing.")

    @staticmethod
    def _valid(serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        return dict(serializer.validated_data)
