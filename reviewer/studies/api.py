"""Survey endpoints: surveys and their versions, and responses; and a reader's own reader
studies (read-only).

Who may do what:
- Researchers and the data steward (SURVEY_DESIGNERS) make surveys and versions and publish
  them; they see drafts. Everyone signed in reads surveys and their published versions: a
  respondent needs the definition to answer it. A draft is 404 to others.
- Clinical readers (radiologists, QA admins, the data steward: CLINICAL_ROLES) submit responses
  about patients and exams they may see; a patient or exam they may not see is 404, the same
  answer as none at all. Researchers do not respond (403).
- A respondent lists and reads their own responses. Nobody reads another respondent's
  responses except the roles that analyse them, researchers and the data steward
  (SURVEY_ANALYSTS), and they too only about patients they may see
  (Patient.objects.visible_to). Another's response is 404 to everyone else.
- Responses are append-only: there is no PUT, PATCH or DELETE; a correction is a new response
  that supersedes the respondent's latest about the same subject. A second first response, or a
  correction of a response already corrected, is 409.
- A reader lists the started reader studies they read in, with their own readings and progress
  only; a study they do not read in is 404."""

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from reviewer.cases.models import Exam, Patient
from reviewer.core.idempotency import PARAMETER as IDEMPOTENCY_KEY
from reviewer.core.idempotency import idempotent
from reviewer.core.permissions import CLINICAL_ROLES, has_role, role_permission
from reviewer.studies import surveys
from reviewer.studies.models import StudyVersion, Survey, SurveyResponse, SurveyVersion
from reviewer.studies.roles import EVERY_ROLE, SURVEY_ANALYSTS, SURVEY_DESIGNERS
from reviewer.studies.serializers import (
    NewSurveyVersionSerializer,
    ReaderStudySerializer,
    ResponseInputSerializer,
    SurveyResponseSerializer,
    SurveySerializer,
    SurveyVersionSerializer,
)

STALE = OpenApiResponse(
    description="you answered about this subject meanwhile, or the response you correct was "
    "corrected meanwhile: reload"
)


NOT_VISIBLE = OpenApiResponse(description="no such patient or exam, or one you may not see")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale"


def _refused(error: surveys.SurveyError):
    detail = error.problems or [str(error)]
    if isinstance(error, surveys.StaleResponse):
        return Conflict(str(error))
    return ValidationError({error.field: detail})


def versions_for(user):
    """The versions a user may read: all for designers, the published ones for others."""
    if has_role(user, SURVEY_DESIGNERS):
        return SurveyVersion.objects.all()
    return SurveyVersion.objects.published()


class SurveyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SurveySerializer
    queryset = Survey.objects.select_related("created_by").order_by("name")

    def get_permissions(self):
        writes = self.request.method == "POST"
        return [role_permission(*(SURVEY_DESIGNERS if writes else EVERY_ROLE))()]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(
        methods=["GET"], request=None, responses={200: SurveyVersionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=NewSurveyVersionSerializer,
        responses={201: SurveyVersionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def versions(self, request, pk=None):
        """The survey's versions, newest first (GET; drafts only for designers); a new version
        (POST), refused with 400 naming every problem of its definition."""
        survey = self.get_object()
        if request.method == "GET":
            listed = versions_for(request.user).filter(survey=survey).order_by("-number")
            listed = listed.select_related("survey", "created_by")
            return Response(SurveyVersionSerializer(listed, many=True).data)
        asked = NewSurveyVersionSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            version = surveys.add_version(survey=survey, user=request.user, **asked.validated_data)
        except surveys.SurveyError as refused:
            raise _refused(refused) from refused
        return Response(SurveyVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class SurveyVersionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyVersionSerializer

    def get_permissions(self):
        writes = self.request.method == "POST"
        return [role_permission(*(SURVEY_DESIGNERS if writes else EVERY_ROLE))()]

    def get_queryset(self):
        return versions_for(self.request.user).select_related("survey", "created_by")

    @extend_schema(request=None, responses={200: SurveyVersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft: from now on its definition never changes (400 if published)."""
        try:
            version = surveys.publish(self.get_object())
        except surveys.SurveyError as refused:
            raise _refused(refused) from refused
        return Response(SurveyVersionSerializer(version).data)


class ResponseFilter(django_filters.FilterSet):
    patient = django_filters.CharFilter(field_name="patient__pseudonym", help_text="a pseudonym")

    class Meta:
        model = SurveyResponse
        fields = ["survey", "version", "exam", "patient"]


class SurveyResponseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SurveyResponseSerializer
    queryset = SurveyResponse.objects.none()  # the schema's model; get_queryset answers
    filterset_class = ResponseFilter
    ordering_fields = ["submitted_at", "id"]

    def get_permissions(self):
        writes = self.request.method == "POST"
        return [role_permission(*(CLINICAL_ROLES if writes else EVERY_ROLE))()]

    def get_queryset(self):
        user = self.request.user
        visible = Patient.objects.visible_to(user)
        responses = SurveyResponse.objects.filter(
            Q(patient__in=visible) | Q(exam__patient__in=visible)
        )
        if not has_role(user, SURVEY_ANALYSTS):
            responses = responses.filter(respondent=user)
        return responses.select_related("respondent", "patient", "superseded_by").order_by(
            "-submitted_at", "-pk"
        )

    @extend_schema(
        request=ResponseInputSerializer,
        parameters=[IDEMPOTENCY_KEY],  # a viewset's create: the schema class cannot see it
        responses={201: SurveyResponseSerializer, 404: NOT_VISIBLE, 409: STALE},
    )
    @idempotent
    def create(self, request):
        """Answer a published survey version about a patient or an exam you may see. Every
        problem of the answers is named by question id (400); nothing is stored then."""
        form = ResponseInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        visible = Patient.objects.visible_to(request.user)
        if "patient" in data:
            subject = get_object_or_404(visible, pseudonym=data["patient"])
        else:
            subject = get_object_or_404(Exam.objects.filter(patient__in=visible), pk=data["exam"])
        version = SurveyVersion.objects.published().filter(pk=data["version"]).first()
        if version is None:
            raise ValidationError({"version": [f"{data['version']} is no published version"]})
        supersedes = None
        if data.get("supersedes") is not None:
            mine = SurveyResponse.objects.filter(respondent=request.user)
            supersedes = mine.filter(pk=data["supersedes"]).first()
            if supersedes is None:
                raise ValidationError(
                    {"supersedes": [f"{data['supersedes']} is no response of yours"]}
                )
        try:
            response = surveys.respond(
                version=version,
                respondent=request.user,
                subject=subject,
                answers=data["answers"],
                supersedes=supersedes,
            )
        except surveys.SurveyError as refused:
            raise _refused(refused) from refused
        return Response(SurveyResponseSerializer(response).data, status=status.HTTP_201_CREATED)


class ReaderStudyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The started reader studies you read in, each with your readings in your order and your
    progress. Read-only; another reader's study is 404. Studies are designed and read on the
    pages under /studies/."""

    serializer_class = ReaderStudySerializer
    queryset = StudyVersion.objects.none()  # the schema's model; get_queryset answers
    permission_classes = [role_permission(*EVERY_ROLE)]
    ordering_fields = ["locked_at", "id"]

    def get_queryset(self):
        return (
            StudyVersion.objects.filter(readers__reader=self.request.user, locked_at__isnull=False)
            .select_related("study")
            .order_by("-locked_at", "-pk")
        )
