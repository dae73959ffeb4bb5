"""Grading endpoints. Of a segmentation: its assessments and lesion verdicts, each a history
(newest first) that a reader appends to, and what the grading panel shows beside the form. Of
an exam: its three-exam volume diagnosis, with the second opinion and the consensus.

A user without a clinical role gets 403; a segmentation, exam or diagnosis of a patient they
may not see is 404, the same answer as none at all; so is an AI result, or an exam's volume
diagnosis, whose AI output a reader study hides from the user now (reviewer.cases.blinding).
A submission based on a row someone else has meanwhile superseded or recorded is 409; a step of
the reading this user may not take (a second opinion on their own diagnosis, a consensus of
other readers) is 403."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.models import Exam, Patient
from reviewer.core.idempotency import idempotent
from reviewer.core.permissions import CLINICAL_ROLES, role_permission
from reviewer.grading import diagnoses, services, volumes
from reviewer.grading.models import Assessment, LesionVerdict, VolumeDiagnosis
from reviewer.grading.scales import project_scale
from reviewer.grading.serializers import (
    AssessmentInputSerializer,
    AssessmentSerializer,
    ConsensusInputSerializer,
    GradingPanelSerializer,
    LesionVerdictInputSerializer,
    LesionVerdictSerializer,
    SecondOpinionInputSerializer,
    VolumeDiagnosisInputSerializer,
    VolumeDiagnosisSerializer,
    VolumeDiagnosisSheetSerializer,
)
from reviewer.grading.three_exams import ThreeExamSet, three_exam_set
from segmentation.models import Lesion, Segmentation

NOT_VISIBLE = OpenApiResponse(description="no such segmentation, or its patient is not visible")
NO_ROLE = OpenApiResponse(description="your role is not a clinical one")
INVALID = OpenApiResponse(description="an invalid field, named in the answer")
STALE = OpenApiResponse(
    description="the superseded row was superseded meanwhile by someone else: reload"
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale"


def visible_segmentation(request, pk: int) -> Segmentation:
    visible = Patient.objects.visible_to(request.user)
    shown = Segmentation.objects.filter(exam__patient__in=visible).shown_to(request.user)
    return get_object_or_404(shown, pk=pk)


def _recorded(record, **fields):
    try:
        return record(**fields)
    except services.StaleSubmission as error:
        raise Conflict(str(error)) from error
    except diagnoses.NotAllowed as error:
        raise PermissionDenied(str(error)) from error
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

    @extend_schema(responses={200: AssessmentSerializer(many=True), 403: NO_ROLE, 404: NOT_VISIBLE})
    def get(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        history = Assessment.objects.filter(segmentation=segmentation).select_related("reader")
        return Response(AssessmentSerializer(history, many=True).data)

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={
            201: AssessmentSerializer,
            400: INVALID,
            403: NO_ROLE,
            404: NOT_VISIBLE,
            409: STALE,
        },
    )
    @idempotent
    def post(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        form = AssessmentInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        supersedes = _row(
            segmentation.assessments.all(), data.get("supersedes"), "supersedes", "an assessment"
        )
        assessment = _recorded(
            services.record_assessment,
            user=request.user,
            segmentation=segmentation,
            acceptable=data["acceptable"],
            grade=data.get("grade"),
            four_level=data.get("four_level"),
            comment=data["comment"],
            supersedes=supersedes,
            reading_time_ms=data.get("reading_time_ms"),
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class LesionVerdictsView(APIView):
    """The lesion verdicts of a segmentation: accepted, rejected, or added (missed)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        responses={200: LesionVerdictSerializer(many=True), 403: NO_ROLE, 404: NOT_VISIBLE}
    )
    def get(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        history = LesionVerdict.objects.filter(segmentation=segmentation).select_related("reader")
        return Response(LesionVerdictSerializer(history, many=True).data)

    @extend_schema(
        request=LesionVerdictInputSerializer,
        responses={
            201: LesionVerdictSerializer,
            400: INVALID,
            403: NO_ROLE,
            404: NOT_VISIBLE,
            409: STALE,
        },
    )
    @idempotent
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
        verdict = _recorded(
            services.record_verdict,
            user=request.user,
            segmentation=segmentation,
            decision=data["decision"],
            lesion=lesion,
            centre_mm=data.get("centre_mm"),
            radius_mm=data.get("radius_mm"),
            supersedes=supersedes,
            reading_time_ms=data.get("reading_time_ms"),
        )
        return Response(LesionVerdictSerializer(verdict).data, status=status.HTTP_201_CREATED)


class GradingPanelView(APIView):
    """What the grading panel shows beside the form: the scale to grade on, the volume of each
    region and the number of components, listed and below the minimum volume (EASE R-A6.3)."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(responses={200: GradingPanelSerializer, 403: NO_ROLE, 404: NOT_VISIBLE})
    def get(self, request, pk: int):
        segmentation = visible_segmentation(request, pk)
        counts = segmentation.lesions.aggregate(
            listed=Count("pk", filter=Q(below_minimum=False)),
            below=Count("pk", filter=Q(below_minimum=True)),
        )
        panel = {
            "segmentation": segmentation.pk,
            "scale": project_scale(),
            "regions": volumes.region_volumes([segmentation])[segmentation.pk],
            "listed_lesions": counts["listed"],
            "below_minimum_lesions": counts["below"],
            "minimum_lesion_ml": segmentation.minimum_lesion_ml,
        }
        return Response(GradingPanelSerializer(panel).data)


EXAM_NOT_VISIBLE = OpenApiResponse(description="no such exam, or its patient is not visible")
DIAGNOSIS_NOT_VISIBLE = OpenApiResponse(
    description="no such volume diagnosis, or its patient is not visible"
)
REFUSED_STEP = OpenApiResponse(
    description="a clinical role, but not this step: a second opinion on your own diagnosis, "
    "a consensus of other readers, a revision of another reader's diagnosis"
)


def _visible_exam(request, pk: int) -> Exam:
    visible = Patient.objects.visible_to(request.user)
    shown = Exam.objects.filter(patient__in=visible).exclude(pk__in=exams_without_ai(request.user))
    return get_object_or_404(shown.select_related("patient"), pk=pk)


def _visible_diagnosis(request, pk: int) -> VolumeDiagnosis:
    visible = Patient.objects.visible_to(request.user)
    return get_object_or_404(
        VolumeDiagnosis.objects.filter(exam__patient__in=visible)
        .exclude(exam__in=exams_without_ai(request.user))
        .select_related("second_opinion", "consensus"),
        pk=pk,
    )


def _sheet(request, found: ThreeExamSet, history: list[VolumeDiagnosis]) -> Response:
    by_segmentation = found.volumes()

    def volumes_of(member):
        return by_segmentation[member.segmentation.pk] if by_segmentation else None

    current = found.members[0]
    sheet = {
        "exam": found.exam.pk,
        "patient": found.exam.patient.pseudonym,
        "family": found.family,
        "possible": found.possible,
        "refusals": [
            {
                "kind": r.kind,
                "message": r.message,
                "exam": r.exam.pk if r.exam else None,
                "segmentation": r.segmentation.pk if r.segmentation else None,
            }
            for r in found.refusals
        ],
        "members": [
            {
                "timepoint": m.timepoint,
                "exam": m.exam.pk,
                "order": m.exam.order,
                "date": m.exam.date,
                "segmentation": m.segmentation.pk if m.segmentation else None,
                "assessment": m.assessment.pk if m.assessment else None,
                "acceptable": m.assessment.acceptable if m.assessment else None,
                "volumes": volumes_of(m),
            }
            for m in found.members
        ],
        "changes": [
            {
                "against": m.timepoint,
                "exam": m.exam.pk,
                "regions": volumes.changes(volumes_of(current), volumes_of(m)),
            }
            for m in found.members[1:]
            if by_segmentation
        ],
        "guide_lines_percent": volumes.GUIDE_LINES_PERCENT,
        "diagnoses": history,
    }
    context = {"request": request, "head": history[0] if history else None}
    return Response(VolumeDiagnosisSheetSerializer(sheet, context=context).data)


def _standing_set(exam: Exam, history: list[VolumeDiagnosis]) -> ThreeExamSet:
    """With no family asked for: the standing diagnosis's set, else the first family whose set
    allows a volumetric assessment, else NODE's."""
    if history:
        head = history[0]
        priors = [head.prior_segmentation.exam_id, head.earlier_prior_segmentation.exam_id]
        return three_exam_set(exam, head.family, priors)
    sets = [three_exam_set(exam, family) for family in Segmentation.Family.values]
    return next((s for s in sets if s.possible), sets[0])


def _priors_parameter(request) -> list[int] | None:
    raw = request.query_params.get("priors")
    if raw is None:
        return None
    try:
        return [int(pk) for pk in raw.split(",")]
    except ValueError as error:
        raise ValidationError({"priors": [f"{raw!r} is not a list of exam ids"]}) from error


class VolumeDiagnosisView(APIView):
    """The three-exam volume diagnosis of an exam (EASE R-A8): the exam (t) and two priors
    (t−1, t−2) with one model family's composite segmentations. Volumes and their changes exist
    only when all three segmentations' current assessments are ACCEPTABLE; the guide lines are
    data, never a classification. The reader records the 2D (RANO) and the volume diagnosis or
    rejects the set as longitudinally inconsistent."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "family",
                str,
                enum=Segmentation.Family.values,
                description="the model family. Without family and priors: the standing "
                "diagnosis's set, else the first family whose set allows a volumetric "
                "assessment, else node; with priors alone: node",
            ),
            OpenApiParameter(
                "priors",
                str,
                description="two prior exam ids, comma-separated; by default the two exams "
                "before this one (or the standing diagnosis's, see family)",
            ),
        ],
        responses={
            200: VolumeDiagnosisSheetSerializer,
            400: INVALID,
            403: NO_ROLE,
            404: EXAM_NOT_VISIBLE,
        },
    )
    def get(self, request, pk: int):
        exam = _visible_exam(request, pk)
        history = diagnoses.history(exam)
        family, priors = request.query_params.get("family"), _priors_parameter(request)
        if family is None and priors is None:
            found = _standing_set(exam, history)
        else:
            found = _recorded(three_exam_set, exam=exam, family=family or "node", priors=priors)
        return _sheet(request, found, history)

    @extend_schema(
        request=VolumeDiagnosisInputSerializer,
        responses={
            201: VolumeDiagnosisSerializer,
            400: OpenApiResponse(
                description="an invalid field, named in the answer; `segmentations` when the "
                "set allows no volumetric assessment (which segmentation, and why)"
            ),
            403: REFUSED_STEP,
            404: EXAM_NOT_VISIBLE,
            409: OpenApiResponse(
                description="someone recorded or revised a diagnosis of this exam meanwhile"
            ),
        },
    )
    @idempotent
    def post(self, request, pk: int):
        exam = _visible_exam(request, pk)
        form = VolumeDiagnosisInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        supersedes = None
        if data.get("supersedes") is not None:
            supersedes = exam.volume_diagnoses.filter(pk=data["supersedes"]).first()
            if supersedes is None:
                raise ValidationError(
                    {"supersedes": [f"{data['supersedes']} is not a diagnosis of exam {pk}"]}
                )
        diagnosis = _recorded(
            diagnoses.record_diagnosis,
            user=request.user,
            exam=exam,
            family=data["family"],
            priors=data.get("priors"),
            rano_diagnosis=data["rano_diagnosis"],
            volume_diagnosis=data.get("volume_diagnosis", ""),
            inconsistent=data["inconsistent"],
            inconsistency_reason=data["inconsistency_reason"],
            comment=data["comment"],
            supersedes=supersedes,
        )
        serialized = VolumeDiagnosisSerializer(diagnosis, context={"request": request})
        return Response(serialized.data, status=status.HTTP_201_CREATED)


class SecondOpinionView(APIView):
    """A second radiologist's independent opinion on a diagnosis whose 2D and volume diagnoses
    differ; the answer shows the first reader's conclusion, hidden until now."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        request=SecondOpinionInputSerializer,
        responses={
            201: VolumeDiagnosisSerializer,
            400: INVALID,
            403: REFUSED_STEP,
            404: DIAGNOSIS_NOT_VISIBLE,
            409: OpenApiResponse(
                description="another radiologist gave the second opinion meanwhile, or the "
                "diagnosis was revised"
            ),
        },
    )
    @idempotent
    def post(self, request, pk: int):
        diagnosis = _visible_diagnosis(request, pk)
        form = SecondOpinionInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        _recorded(
            diagnoses.record_second_opinion,
            user=request.user,
            diagnosis=diagnosis,
            **form.validated_data,
        )
        return _diagnosis_created(request, pk)


class ConsensusView(APIView):
    """The two readers' consensus, when the second opinion differs from the volume diagnosis:
    a text that states the uncertainty, and the diagnosis if they reached one."""

    permission_classes = [role_permission(*CLINICAL_ROLES)]

    @extend_schema(
        request=ConsensusInputSerializer,
        responses={
            201: VolumeDiagnosisSerializer,
            400: INVALID,
            403: REFUSED_STEP,
            404: DIAGNOSIS_NOT_VISIBLE,
            409: OpenApiResponse(description="the consensus was recorded meanwhile"),
        },
    )
    @idempotent
    def post(self, request, pk: int):
        diagnosis = _visible_diagnosis(request, pk)
        form = ConsensusInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        _recorded(
            diagnoses.record_consensus,
            user=request.user,
            diagnosis=diagnosis,
            **form.validated_data,
        )
        return _diagnosis_created(request, pk)


def _diagnosis_created(request, pk: int) -> Response:
    diagnosis = _visible_diagnosis(request, pk)
    serialized = VolumeDiagnosisSerializer(diagnosis, context={"request": request})
    return Response(serialized.data, status=status.HTTP_201_CREATED)
