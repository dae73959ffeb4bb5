"""The reader's pages of a running study (S-06, S-10, S-11): the instructions before each
sitting, then one reading at a time in the reader's stored order, in the viewer, with the
study's questions beside it; the washout page between the phases; the end.

A sitting ends after SITTING without a page of the study: the instructions show again. The page
measures the reading on the browser's clock from the case fully displayed to the send, with the
focus-loss and idle gaps, and sends the browser's time with it; the server moves those times
onto its own clock (readings.finish)."""

import datetime
import json

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from reviewer.core.permissions import RoleRequiredMixin
from reviewer.studies import clock, readings, surveys
from reviewer.studies.design import StudyError
from reviewer.studies.models import Arm, Reading, StudyVersion
from reviewer.studies.roles import EVERY_ROLE
from reviewer.studies.views import marks_row, question_rows, read_answers

SITTING = datetime.timedelta(minutes=30)
PHASE_NAMES = {0: "Practice", 1: "Phase 1", 2: "Phase 2"}


class ReadingView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def version(self) -> StudyVersion:
        """The study's running version the user reads in; 404 to anyone else."""
        return get_object_or_404(
            StudyVersion.objects.running().select_related("study", "survey_version"),
            study_id=self.kwargs["study"],
            readers__reader=self.request.user,
        )

    def get(self, request, study):
        version = self.version()
        if not _in_sitting(request, version):
            return render(request, "studies/instructions.html", {"version": version})
        try:
            reading = readings.next_reading(request.user, version, clock.now())
        except readings.WashoutPending as pending:
            return render(
                request, "studies/washout.html", {"version": version, "opens": pending.until}
            )
        if reading is None:
            return render(request, "studies/reading_done.html", {"version": version})
        return self._page(version, reading, answers={}, errors={})

    def post(self, request, study):
        version = self.version()
        if "begin" in request.POST:
            _mark_sitting(request, version)
            return redirect("studies:read", study=study)
        reading = get_object_or_404(
            Reading.objects.select_related("case__exam__patient"),
            pk=request.POST.get("reading") or None,
            version=version,
            reader=request.user,
        )
        answers, errors = {}, {}
        if version.survey_version is not None:
            answers, errors = read_answers(version.survey_version.definition, request.POST)
        timing = _timing(request.POST)
        if isinstance(timing, str):
            errors.setdefault("timing", []).append(timing)
        if not errors:
            try:
                readings.finish(
                    reading,
                    reader=request.user,
                    answers=answers if version.survey_version is not None else None,
                    now=clock.now(),
                    **timing,
                )
            except surveys.SurveyError as refused:
                errors = refused.problems or {refused.field: [str(refused)]}
            except StudyError as refused:
                messages.error(request, str(refused))
                return redirect("studies:read", study=study)
            else:
                _mark_sitting(request, version)
                messages.success(request, "Reading recorded.")
                return redirect("studies:read", study=study)
        resume = None if isinstance(timing, str) else _resume(timing)
        return self._page(version, reading, answers, errors, resume=resume, status=400)

    def _page(self, version, reading: Reading, answers, errors, resume=None, status=200):
        exam = reading.case.exam
        phase_readings = readings.readings_of(self.request.user, version).filter(
            phase=reading.phase
        )
        definition = version.survey_version.definition if version.survey_version else None
        rows = question_rows(definition, answers, errors) if definition else []
        marks = marks_row(rows)
        known = {row["question"]["id"] for row in rows}
        return render(
            self.request,
            "studies/reading.html",
            {
                "version": version,
                "reading": reading,
                "phase_name": PHASE_NAMES[reading.phase],
                "position": reading.position + 1,
                "phase_total": phase_readings.count(),
                "aided": reading.arm == Arm.AI_AIDED,
                "manifest_url": reverse("case-viewer", args=[exam.patient.pseudonym])
                + f"?exam={exam.pk}",
                "rows": rows,
                "marks": marks,
                "resume": resume,
                "other_errors": [m for k, found in errors.items() if k not in known for m in found],
            },
            status=status,
        )


def _timing(posted) -> dict | str:
    """The page's measurements, or what is wrong with them."""
    try:
        started_at = datetime.datetime.fromisoformat(posted.get("started_at", ""))
        client_now = datetime.datetime.fromisoformat(posted.get("client_now", ""))
        gaps = json.loads(posted.get("gaps") or "[]")
    except ValueError:
        return "the page sent no readable timing: reload the case and read it again"
    if started_at.tzinfo is None or client_now.tzinfo is None:
        return "the page's times carry no time zone"
    return {"started_at": started_at, "client_now": client_now, "gaps": gaps}


def _resume(timing: dict) -> str:
    """The page's timing sent back with refused answers, so the page goes on measuring."""
    return json.dumps({"started_at": timing["started_at"].isoformat(), "gaps": timing["gaps"]})


def _key(version: StudyVersion) -> str:
    return f"study-sitting-{version.pk}"


def _in_sitting(request, version: StudyVersion) -> bool:
    last = request.session.get(_key(version))
    return last is not None and clock.now() - datetime.datetime.fromisoformat(last) < SITTING


def _mark_sitting(request, version: StudyVersion) -> None:
    request.session[_key(version)] = clock.now().isoformat()
