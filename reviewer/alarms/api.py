"""The alarm API. Readers (clinical roles) list alarms, read a case's alarm state and mark each
alarm a true or a false alarm; an alarm of a patient they may not see is 404, the same answer as
no such alarm. QA admins (and the data steward) publish new versions of the clinical rules and
freeze the ensemble's thresholds. A user without the role gets 403; a submission based on a
verdict or a version that someone else has meanwhile superseded gets 409."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.alarms import rule_versions, tasks, thresholds, verdicts
from reviewer.alarms.appending import StaleSubmission, SubmissionError
from reviewer.alarms.filters import AlarmFilter
from reviewer.alarms.models import Alarm, AlarmVerdict, RuleConfiguration, ThresholdSet
from reviewer.alarms.serializers import (
    AlarmSerializer,
    AlarmVerdictInputSerializer,
    AlarmVerdictSerializer,
    CaseAlarmStateSerializer,
    FreezeInputSerializer,
    FrozenThresholdSetSerializer,
    RuleConfigurationInputSerializer,
    RuleConfigurationSerializer,
    ThresholdSetSerializer,
)
from reviewer.alarms.services import case_alarm_state, with_verdicts
from reviewer.cases.models import Patient
from reviewer.core.idempotency import idempotent
from reviewer.core.permissions import CLINICAL_ROLES, OPERATOR_ROLES, role_permission

FORBIDDEN = OpenApiResponse(description="not logged in, or the user's role may not do this")
INVALID = OpenApiResponse(description="an invalid field, named in the answer")
STALE = OpenApiResponse(description="based on a row someone else has meanwhile superseded: reload")
NO_ALARM = OpenApiResponse(description="no such alarm, or its patient is not visible")


def visible_alarms(user):
    visible = Patient.objects.visible_to(user)
    return Alarm.objects.filter(exam__patient__in=visible).shown_to(user)


def _field_errors(error: SubmissionError) -> ValidationError:
    return ValidationError({error.field or "non_field_errors": [str(error)]})


def _stale(error: StaleSubmission) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


@extend_schema(
    responses={
        200: AlarmSerializer(many=True),
        400: OpenApiResponse(description="an invalid filter value, named in the answer"),
        403: FORBIDDEN,
        404: OpenApiResponse(description="no such page"),
    }
)
class AlarmListView(generics.ListAPIView):
    """Alarms of the patients the user may see: open ones by default, newest first."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilter
    ordering_fields = ["raised_at", "kind"]

    def get_queryset(self):
        return with_verdicts(visible_alarms(self.request.user)).order_by("-raised_at", "-pk")


@extend_schema(responses={200: AlarmSerializer, 403: FORBIDDEN, 404: NO_ALARM})
class AlarmDetailView(generics.RetrieveAPIView):
    permission_classes = [role_permission(*CLINICAL_ROLES)]
    serializer_class = AlarmSerializer

    def get_queryset(self):
        return with_verdicts(visible_alarms(self.request.user))


class AlarmVerdictsView(APIView):
    """An alarm's verdicts, newest first: each a reader's true or false alarm. The latest one is
    the alarm's verdict; the QA admin tunes the rules and α against them."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        responses={200: AlarmVerdictSerializer(many=True), 403: FORBIDDEN, 404: NO_ALARM}
    )
    def get(self, request, pk: int):
        alarm = get_object_or_404(visible_alarms(request.user), pk=pk)
        history = AlarmVerdict.objects.filter(alarm=alarm).select_related("reader")
        return Response(AlarmVerdictSerializer(history, many=True).data)

    @extend_schema(
        request=AlarmVerdictInputSerializer,
        responses={
            201: AlarmVerdictSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NO_ALARM,
            409: STALE,
        },
    )
    @idempotent
    def post(self, request, pk: int):
        alarm = get_object_or_404(visible_alarms(request.user), pk=pk)
        form = AlarmVerdictInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        supersedes = None
        if data.get("supersedes") is not None:
            supersedes = AlarmVerdict.objects.filter(pk=data["supersedes"], alarm=alarm).first()
            if supersedes is None:
                raise ValidationError(
                    {"supersedes": [f"{data['supersedes']} is not a verdict of alarm {pk}"]}
                )
        try:
            verdict = verdicts.record_verdict(
                user=request.user,
                alarm=alarm,
                true_alarm=data["true_alarm"],
                comment=data["comment"],
                supersedes=supersedes,
            )
        except StaleSubmission as error:
            return _stale(error)
        except SubmissionError as error:
            raise _field_errors(error) from error
        return Response(AlarmVerdictSerializer(verdict).data, status=status.HTTP_201_CREATED)


class CaseAlarmsView(APIView):
    """A patient's alarm state, as the case's alarm socket sends it: open alarms with their
    latest verdicts, one risk line per exam (the viewer's compact header) and the patient's
    risk score."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        responses={
            200: CaseAlarmStateSerializer,
            403: FORBIDDEN,
            404: OpenApiResponse(description="no such patient, or not visible"),
        }
    )
    def get(self, request, pseudonym: str):
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pseudonym=pseudonym)
        return Response(case_alarm_state(patient, request.user))


class _ReadClinicalWriteOperator(APIView):
    """Readers may read what the alarms were computed with; operators change it."""

    def get_permissions(self):
        roles = CLINICAL_ROLES if self.request.method == "GET" else OPERATOR_ROLES
        return [role_permission(*roles)()]


class RuleConfigurationsView(_ReadClinicalWriteOperator):
    """The versions of the clinical alarm rules, newest (the current one) first."""

    @extend_schema(responses={200: RuleConfigurationSerializer(many=True), 403: FORBIDDEN})
    def get(self, request):
        versions = RuleConfiguration.objects.select_related("created_by")
        return Response(RuleConfigurationSerializer(versions, many=True).data)

    @extend_schema(
        request=RuleConfigurationInputSerializer,
        responses={201: RuleConfigurationSerializer, 400: INVALID, 403: FORBIDDEN, 409: STALE},
    )
    def post(self, request):
        """Publish the next version: the parameters given replace those of ``based_on``; every
        patient's clinical alarms are then evaluated again in the background."""
        form = RuleConfigurationInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        based_on = data.pop("based_on")
        edited = RuleConfiguration.objects.filter(version=based_on).first()
        if edited is None and based_on != 0:
            raise ValidationError({"based_on": [f"there is no version {based_on}"]})
        configuration = edited or RuleConfiguration.objects.current()
        for field, value in data.items():
            setattr(configuration, field, value)
        try:
            with transaction.atomic():
                stored = rule_versions.publish_rules(
                    configuration, user=request.user, based_on=based_on
                )
        except StaleSubmission as error:
            return _stale(error)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return Response(RuleConfigurationSerializer(stored).data, status=status.HTTP_201_CREATED)


class CurrentRuleConfigurationView(APIView):
    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(responses={200: RuleConfigurationSerializer, 403: FORBIDDEN})
    def get(self, request):
        """The version new alarms are computed with (version 0: the built-in defaults)."""
        return Response(RuleConfigurationSerializer(RuleConfiguration.objects.current()).data)


class ThresholdSetsView(APIView):
    """The ensemble's frozen threshold sets, newest (the one alarms are scored against) first."""

    permission_classes = [role_permission(*OPERATOR_ROLES)]

    @extend_schema(responses={200: ThresholdSetSerializer(many=True), 403: FORBIDDEN})
    def get(self, request):
        sets = ThresholdSet.objects.select_related("created_by").prefetch_related(
            "thresholds__model_version"
        )
        return Response(ThresholdSetSerializer(sets, many=True).data)

    @extend_schema(
        request=FreezeInputSerializer,
        responses={201: FrozenThresholdSetSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def post(self, request):
        """Freeze the thresholds of the current agreement rows, with α from the current rules;
        every exam's ensemble alarms are then scored against them in the background."""
        form = FreezeInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                frozen = thresholds.freeze_thresholds(user=request.user, **form.validated_data)
                transaction.on_commit(tasks.refresh_ensemble_alarms.signature().apply_async)
        except thresholds.FreezeError as error:
            raise _field_errors(error) from error
        frozen.threshold_set.left_out = frozen.left_out
        answer = FrozenThresholdSetSerializer(frozen.threshold_set).data
        return Response(answer, status=status.HTTP_201_CREATED)


@extend_schema(
    responses={
        200: ThresholdSetSerializer,
        403: FORBIDDEN,
        404: OpenApiResponse(description="no such threshold set"),
    }
)
class ThresholdSetDetailView(generics.RetrieveAPIView):
    permission_classes = [role_permission(*OPERATOR_ROLES)]
    serializer_class = ThresholdSetSerializer
    queryset = ThresholdSet.objects.prefetch_related("thresholds__model_version")
