from django.db.models import Prefetch
from rest_framework import viewsets

from reviewer.cases.filters import WORKLIST_ORDERING, PatientFilter
from reviewer.cases.models import Exam, Patient, Series
from reviewer.cases.serializers import ExamSerializer, PatientDetailSerializer, PatientSerializer
from reviewer.core.permissions import CLINICAL_ROLES, role_permission


class PatientViewSet(viewsets.ReadOnlyModelViewSet):
    """The worklist: patients visible to the user, with their exams."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    filterset_class = PatientFilter
    lookup_field = "pseudonym"
    ordering_fields = WORKLIST_ORDERING
    ordering = ["pseudonym"]

    def get_queryset(self):
        queryset = Patient.objects.visible_to(self.request.user).with_worklist_columns()
        if self.action == "retrieve":
            series = Prefetch("series", queryset=Series.objects.order_by("sequence"))
            exams = Prefetch("exams", queryset=Exam.objects.prefetch_related(series))
            queryset = queryset.prefetch_related(exams)
        return queryset

    def get_serializer_class(self):
        return PatientDetailSerializer if self.action == "retrieve" else PatientSerializer


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = ExamSerializer
    filterset_fields = {"patient__pseudonym": ["exact"], "order": ["exact"]}

    def get_queryset(self):
        visible = Patient.objects.visible_to(self.request.user)
        return (
            Exam.objects.filter(patient__in=visible)
            .select_related("patient")
            .prefetch_related("series")
            .order_by("patient__pseudonym", "order")
        )
