"""Validation runs, the gate and deployments, for QA admins: ask for a run of a model version
on a dataset version, follow it, read the gate's decision case by case, deploy the candidate,
roll a live version back, and read the deployment record."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reviewer.core.permissions import OPERATOR_ROLES, role_permission
from reviewer.validation import blinding, deployment, gate
from reviewer.validation.deployment import DeploymentRefused
from reviewer.validation.models import Deployment, Evaluation, ValidationRun
from reviewer.validation.queue import RunRefused, request_run
from reviewer.validation.serializers import (
    DeploymentSerializer,
    EvaluationSerializer,
    ReasonSerializer,
    RollbackSerializer,
    ValidationRunDetailSerializer,
    ValidationRunSerializer,
)


class ValidationRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [role_permission(*OPERATOR_ROLES)]
    queryset = ValidationRun.objects.select_related(
        "model_version", "dataset_version__dataset", "baseline", "created_by"
    ).order_by("-created_at", "-pk")
    filterset_fields = ["model_version", "dataset_version"]

    def get_serializer_class(self):
        detail = self.action == "retrieve"
        return ValidationRunDetailSerializer if detail else ValidationRunSerializer

    def retrieve(self, request, *args, **kwargs):
        """The run, and the gate's decision as it stands (grades keep arriving after it)."""
        run = self.get_object()
        run.gate = gate.as_page(gate.decide(run), blinding.hidden_exams(request.user))
        return Response(ValidationRunDetailSerializer(run).data)

    def perform_create(self, serializer):
        try:
            serializer.instance = request_run(
                model_version=serializer.validated_data["model_version"],
                dataset_version=serializer.validated_data["dataset_version"],
                user=self.request.user,
            )
        except RunRefused as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from error

    @extend_schema(responses={200: EvaluationSerializer})
    @action(detail=True, methods=["get"])
    def evaluation(self, request, pk=None):
        """The four-axis evaluation of the run's candidate (404 until the run has one, and while
        a reader study hides any of its cases from the user)."""
        run = self.get_object()
        if blinding.hides_cases(run, request.user):
            raise Http404("a reader study hides cases of this evaluation from you now")
        found = get_object_or_404(Evaluation, run=run)
        return Response(EvaluationSerializer(found).data)

    @extend_schema(request=ReasonSerializer, responses={201: DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def deploy(self, request, pk=None):
        """Make the run's candidate live in place of its baseline; 400 when the gate does not
        allow it, saying why."""
        asked = ReasonSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            record = deployment.deploy(
                self.get_object(), user=request.user, reason=asked.validated_data["reason"]
            )
        except DeploymentRefused as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from error
        return Response(DeploymentSerializer(record).data, status=status.HTTP_201_CREATED)


class DeploymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The deployment record: every install, deployment and rollback, newest first."""

    permission_classes = [role_permission(*OPERATOR_ROLES)]
    serializer_class = DeploymentSerializer
    queryset = Deployment.objects.select_related("model_version", "replaced", "user").order_by(
        "-created_at", "-pk"
    )
    filterset_fields = ["model_version", "action"]

    @extend_schema(request=RollbackSerializer, responses={201: DeploymentSerializer})
    @action(detail=False, methods=["post"])
    def rollback(self, request):
        """Take a live version back: the version it replaced is live again."""
        asked = RollbackSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            record = deployment.rollback(
                asked.validated_data["model_version"],
                user=request.user,
                reason=asked.validated_data["reason"],
            )
        except DeploymentRefused as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from error
        return Response(DeploymentSerializer(record).data, status=status.HTTP_201_CREATED)
