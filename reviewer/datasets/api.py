"""Reference datasets and their versions, for QA admins: make a version from visible exams,
read its manifest (the export of its content, with its hash), and diff two versions."""

import dataclasses

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reviewer.cases.models import Exam, Patient
from reviewer.core.permissions import OPERATOR_ROLES, role_permission
from reviewer.datasets import versions
from reviewer.datasets.models import DatasetVersion, ReferenceDataset
from reviewer.datasets.serializers import (
    DatasetVersionDetailSerializer,
    DatasetVersionSerializer,
    DiffSerializer,
    NewVersionSerializer,
    ReferenceDatasetSerializer,
)
from segmentation.models import Segmentation


class ReferenceDatasetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [role_permission(*OPERATOR_ROLES)]
    serializer_class = ReferenceDatasetSerializer
    queryset = ReferenceDataset.objects.select_related("created_by").order_by("name")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(
        methods=["GET"], request=None, responses={200: DatasetVersionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"], request=NewVersionSerializer, responses={201: DatasetVersionSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def versions(self, request, pk=None):
        """The dataset's versions, newest first (GET); a new version of visible exams (POST),
        refused with 400 when it would change nothing or an exam lacks a reference label."""
        dataset = self.get_object()
        if request.method == "GET":
            listed = dataset.versions.select_related("dataset", "created_by").order_by("-number")
            return Response(DatasetVersionSerializer(listed, many=True).data)
        asked = NewVersionSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        visible = Patient.objects.visible_to(request.user)
        exams = list(Exam.objects.filter(pk__in=asked.validated_data["exams"], patient__in=visible))
        labels = list(
            Segmentation.objects.filter(
                pk__in=asked.validated_data["labels"], exam__patient__in=visible
            )
        )
        unknown = sorted(set(asked.validated_data["exams"]) - {e.pk for e in exams})
        if unknown:
            raise serializers.ValidationError({"exams": f"no such exam: {unknown}"})
        if len(labels) != len(set(asked.validated_data["labels"])):
            raise serializers.ValidationError({"labels": "no such segmentation among them"})
        try:
            version = versions.create_version(
                dataset,
                exams,
                user=request.user,
                labels=labels,
                note=asked.validated_data["note"],
            )
        except versions.VersionError as refused:
            raise serializers.ValidationError({"detail": str(refused)}) from refused
        return Response(DatasetVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class DatasetVersionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [role_permission(*OPERATOR_ROLES)]
    serializer_class = DatasetVersionDetailSerializer
    queryset = DatasetVersion.objects.filter(sealed_at__isnull=False).select_related(
        "dataset", "created_by"
    )

    def retrieve(self, request, *args, **kwargs):
        """The version with its manifest: the export of its content, whose canonical JSON hashes
        to ``sha256``."""
        version = self.get_object()
        version.manifest = versions.manifest(version)
        return Response(DatasetVersionDetailSerializer(version).data)

    @extend_schema(
        parameters=[OpenApiParameter("against", int, required=True, description="a version id")],
        responses={200: DiffSerializer},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """What changed from the version ``against`` to this one."""
        against = request.query_params.get("against", "")
        if not against.isdigit():
            raise serializers.ValidationError({"against": "a version id"})
        old = get_object_or_404(self.get_queryset(), pk=int(against))
        changes = versions.diff(old, self.get_object())
        return Response(
            DiffSerializer({**dataclasses.asdict(changes), "unchanged": changes.unchanged}).data
        )
