from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.filters import WORKLIST_ORDERING, ExamFilter, PatientFilter
from reviewer.cases.models import Exam, Patient, Series
from reviewer.cases.serializers import (
    ExamSerializer,
    PatientDetailSerializer,
    PatientDiseaseSerializer,
    PatientSerializer,
)
from reviewer.core.models import Role
from reviewer.core.permissions import CLINICAL_ROLES, role_permission


class PatientViewSet(viewsets.ReadOnlyModelViewSet):
    """The worklist: patients visible to the user, with their exams. A QA admin records a
    patient's disease (PATCH), which decides the AI that runs on their exams."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    filterset_class = PatientFilter
    lookup_field = "pseudonym"
    ordering_fields = WORKLIST_ORDERING
    ordering = ["pseudonym"]

    def get_permissions(self):
        if self.action == "partial_update":
            return [role_permission(Role.QA_ADMIN)()]
        return super().get_permissions()

    def get_queryset(self):
        if self.action == "partial_update":
            return Patient.objects.visible_to(self.request.user)
        user = self.request.user
        queryset = Patient.objects.visible_to(user).with_worklist_columns(exams_without_ai(user))
        if self.action == "retrieve":
            series = Prefetch("series", queryset=Series.objects.order_by("sequence"))
            exams = Prefetch("exams", queryset=Exam.objects.prefetch_related(series))
            queryset = queryset.prefetch_related(exams)
        return queryset

    def get_serializer_class(self):
        if self.action == "partial_update":
            return PatientDiseaseSerializer
        return PatientDetailSerializer if self.action == "retrieve" else PatientSerializer

    @extend_schema(
        request=PatientDiseaseSerializer,
        responses={
            200: PatientDiseaseSerializer,
            400: OpenApiResponse(description="a disease that is not one of the choices"),
            403: OpenApiResponse(description="only a QA admin records a patient's disease"),
            404: OpenApiResponse(description="no such patient"),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        patient = self.get_object()
        form = PatientDiseaseSerializer(patient, data=request.data)
        form.is_valid(raise_exception=True)
        form.save()
        return Response(form.data)


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = ExamSerializer
    filterset_class = ExamFilter

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            Exam.objects.filter(patient__in=visible)
            .select_related("patient")
            .prefetch_related("series")
            .order_by("patient__pseudonym", "order")
        )
