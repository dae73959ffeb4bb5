"""The QA admin's pages for model updates: the model versions (what is live, in which
compatibility group, the deployment record, validating a version) and a validation run (its
live progress, the gate's rule and decision case by case with links to grade each map in the
viewer, and the deploy form). The forms post here; refusals come back as messages."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, TemplateView

from reviewer.core.permissions import OPERATOR_ROLES, RoleRequiredMixin
from reviewer.core.progress import job_state
from reviewer.datasets.models import DatasetVersion
from reviewer.validation import blinding, deployment, gate
from reviewer.validation.deployment import DeploymentRefused
from reviewer.validation.evaluation_csv import write_csv
from reviewer.validation.matrix import dice_matrix
from reviewer.validation.models import Deployment, Evaluation, RobustnessSweep, ValidationRun
from reviewer.validation.queue import (
    VALIDATED_KINDS,
    RunRefused,
    request_robustness,
    request_run,
)
from reviewer.validation.strata import AXES, UNKNOWN
from segmentation.models import ModelVersion

RECORD_ROWS = 50
PERFORMANCE_COLUMNS = ("dice", "sensitivity", "specificity", "ppv", "hd95")


class ModelVersionsView(RoleRequiredMixin, TemplateView):
    allowed_roles = OPERATOR_ROLES
    template_name = "validation/model_versions.html"

    def get_context_data(self, **kwargs):
        live = ModelVersion.objects.deployed().order_by("disease", "kind", "target")
        last = {}
        for record in Deployment.objects.select_related("user", "replaced"):
            last.setdefault(record.model_version_id, record)  # newest first
        return super().get_context_data(
            live=[(version, last.get(version.pk)) for version in live],
            candidates=ModelVersion.objects.filter(
                deployed_at__isnull=True, kind__in=VALIDATED_KINDS
            )
            .exclude(target="")
            .order_by("kind", "target", "-created_at"),
            dataset_versions=DatasetVersion.objects.filter(sealed_at__isnull=False)
            .select_related("dataset")
            .order_by("dataset__name", "-number"),
            runs=ValidationRun.objects.select_related(
                "model_version", "dataset_version__dataset", "baseline"
            ).order_by("-created_at")[:RECORD_ROWS],
            record=Deployment.objects.select_related("model_version", "replaced", "user")[
                :RECORD_ROWS
            ],
            matrix=dice_matrix(),
            **kwargs,
        )


class RunRequestView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request):
        version = ModelVersion.objects.filter(pk=_id(request.POST.get("model_version"))).first()
        dataset = DatasetVersion.objects.filter(pk=_id(request.POST.get("dataset_version"))).first()
        if version is None or dataset is None:
            messages.error(request, "Choose a model version and a dataset version.")
            return redirect("validation:model-versions")
        try:
            run = request_run(model_version=version, dataset_version=dataset, user=request.user)
        except RunRefused as refused:
            messages.error(request, f"{refused}.")
            return redirect("validation:model-versions")
        return redirect("validation:run", run.pk)


class RunView(RoleRequiredMixin, DetailView):
    allowed_roles = OPERATOR_ROLES
    template_name = "validation/run.html"
    context_object_name = "run"
    queryset = ValidationRun.objects.select_related(
        "model_version", "dataset_version__dataset", "baseline", "created_by"
    )

    def get_context_data(self, **kwargs):
        run = self.object
        page = gate.as_page(gate.decide(run), blinding.hidden_exams(self.request.user))
        found = None if page["hidden_cases"] else Evaluation.objects.filter(run=run).first()
        return super().get_context_data(
            **(_evaluation_context(found.results) if found else {}),
            state=job_state(run),
            ws_path=f"/ws/validation/{run.pk}/",
            gate=page,
            evaluation=found,
            **_sweep_context(RobustnessSweep.objects.filter(run=run).first()),
            deployments=run.deployments.select_related("user"),
            **kwargs,
        )


class EvaluationCsvView(RoleRequiredMixin, View):
    """The evaluation's per-case table as CSV, its provenance in the first lines."""

    allowed_roles = OPERATOR_ROLES

    def get(self, request, pk: int):
        found = get_object_or_404(Evaluation, run_id=pk)
        if blinding.hides_cases(found.run, request.user):
            raise Http404("a reader study hides cases of this evaluation from you now")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="validation-{pk}-evaluation.csv"'
        write_csv(found.results, response)
        return response


def _sweep_context(sweep: RobustnessSweep | None) -> dict:
    if sweep is None:
        return {"sweep": None}
    return {
        "sweep": sweep,
        "sweep_state": job_state(sweep),
        "sweep_ws_path": f"/ws/robustness/{sweep.pk}/",
    }


def _evaluation_context(results: dict) -> dict:
    """The evaluation as the page's tables show it: per axis, one row per stratum."""
    # evaluations stored before strata by tumour group and site were summarised by scanner only
    by_axis = results.get("performance_by") or {"scanner": results["performance_by_stratum"]}
    correlations = results["data_quality"]["correlations"]
    return {
        "performance_tables": [
            (
                AXES[axis],
                [
                    (stratum, means["dice"]["n"], [means[m] for m in PERFORMANCE_COLUMNS])
                    # stored as jsonb, which keeps no key order: by name, "unknown" last
                    for stratum, means in sorted(
                        by_axis[axis].items(), key=lambda item: (item[0] == UNKNOWN, item[0])
                    )
                ],
            )
            for axis in AXES
            if axis in by_axis
        ],
        "significant": [c for c in correlations if c["significant"]],
        "tested": sum(c["p_adjusted"] is not None for c in correlations),
    }


class RobustnessView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request, pk: int):
        run = get_object_or_404(ValidationRun, pk=pk)
        try:
            request_robustness(run, user=request.user)
        except RunRefused as refused:
            messages.error(request, f"{refused}.")
        return redirect("validation:run", pk)


class DeployView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request, pk: int):
        run = get_object_or_404(ValidationRun, pk=pk)
        try:
            reason = request.POST.get("reason", "")
            record = deployment.deploy(run, user=request.user, reason=reason)
        except DeploymentRefused as refused:
            messages.error(request, f"Not deployed: {refused}.")
            return redirect("validation:run", pk)
        messages.success(
            request,
            f"{record.model_version} is live, in compatibility group {record.compatibility_group}.",
        )
        return redirect("validation:run", pk)


class RollbackView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request):
        version = get_object_or_404(ModelVersion, pk=_id(request.POST.get("model_version")))
        try:
            record = deployment.rollback(
                version, user=request.user, reason=request.POST.get("reason", "")
            )
        except DeploymentRefused as refused:
            messages.error(request, f"Not rolled back: {refused}.")
        else:
            messages.success(request, f"{record.model_version} is live again.")
        return redirect("validation:model-versions")


def _id(text) -> int | None:
    """A positive id from a form field, else None (never a 500)."""
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
