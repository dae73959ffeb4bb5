"""Grading endpoints of one segmentation: its assessments and its lesion verdicts, each a history
(newest first) that a reader appends to. A user without a clinical role gets 403; a segmentation
of a patient they may not see is 404, the same answer as no such segmentation. A submission
based on a row someone else has meanwhile superseded is 409."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, role_permission
from reviewer.grading import services
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.serializers import (
    AssessmentInputSerializer,
    AssessmentSerializer,
    LesionVerdictInputSerializer,
    LesionVerdictSerializer,
)
from segmentation.models import Lesion, Segmentation

NOT_VISIBLE = OpenApiResponse(description="no such segmentation, or its patient is not visible")
STALE = OpenApiResponse(
    description="the superseded row was superseded meanwhile by someone else: reload"
)


def visible_segmentation(request, pk: int) -> Segmentation:
    visible = Patient.objects.visible_to(request.user)
    return get_object_or_404(Segmentation.objects.filter(exam__patient__in=visible), pk=pk)


def _recorded(record, **fields):
    try:
        return record(**fields)
    except services.StaleSubmission as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    except services.GradingError as error:
        raise ValidationError({error.field or "non_field_errors": [str(error)]}) from error


def _row(queryset, pk, field: str, what: str):
    if pk is None:
        return None
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [f"{pk} is not {what} of this segmentation"]})
    return row


class AssessmentsView(APIView):
    """The assessments of a segmentation (EASE acceptable + 1–5, or the 4-level scale)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(responses={200: AssessmentSerializer(many=True), 404: NOT_VISIBLE})
    def get(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        history = Assessment.objects.filter(segmentation=segmentation).select_related("reader")
        return Response(AssessmentSerializer(history, many=True).data)

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={
            201: AssessmentSerializer,
            400: OpenApiResponse(description="an invalid field, named in the answer"),
            404: NOT_VISIBLE,
            409: STALE,
        },
    )
    def post(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        form = AssessmentInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        supersedes = _row(
            segmentation.assessments.all(), data.get("supersedes"), "supersedes", "an assessment"
        )
        result = _recorded(
            services.record_assessment,
            user=request.user,
            segmentation=segmentation,
            acceptable=data["acceptable"],
            grade=data.get("grade"),
            four_level=data.get("four_level"),
            comment=data["comment"],
            supersedes=supersedes,
        )
        if isinstance(result, Response):
            return result
        return Response(AssessmentSerializer(result).data, status=status.HTTP_201_CREATED)


class LesionVerdictsView(APIView):
    """The lesion verdicts of a segmentation: accepted, rejected, or added (missed)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(responses={200: LesionVerdictSerializer(many=True), 404: NOT_VISIBLE})
    def get(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        history = LesionVerdict.objects.filter(segmentation=segmentation).select_related("reader")
        return Response(LesionVerdictSerializer(history, many=True).data)

    @extend_schema(
        request=LesionVerdictInputSerializer,
        responses={
            201: LesionVerdictSerializer,
            400: OpenApiResponse(description="an invalid field, named in the answer"),
            404: NOT_VISIBLE,
            409: STALE,
        },
    )
    def post(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        form = LesionVerdictInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        lesion_pk = data.get("lesion")
        lesion = None
        if lesion_pk is not None:
            lesion = Lesion.objects.filter(pk=lesion_pk).first()
            if lesion is None or lesion.segmentation_id != segmentation.pk:
                raise ValidationError(
                    {"lesion": [f"lesion {lesion_pk} is not a lesion of segmentation {pk}"]}
                )
        supersedes = _row(
            segmentation.lesion_verdicts.all(), data.get("supersedes"), "supersedes", "a verdict"
        )
        result = _recorded(
            services.record_verdict,
            user=request.user,
            segmentation=segmentation,
            decision=data["decision"],
            lesion=lesion,
            centre_mm=data.get("centre_mm"),
            supersedes=supersedes,
            reading_time_ms=data.get("reading_time_ms"),
        )
        if isinstance(result, Response):
            return result
        return Response(LesionVerdictSerializer(result).data, status=status.HTTP_201_CREATED)
