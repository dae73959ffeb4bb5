"""The QA admin's reference datasets page: the datasets with their sealed versions (hash, cases,
what changed from the version before), a new dataset, and a new version from the exams that
have a reference label. The forms post here; refusals come back as messages."""

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from reviewer.cases.models import Exam, Patient
from reviewer.core.permissions import OPERATOR_ROLES, RoleRequiredMixin
from reviewer.datasets import versions
from reviewer.datasets.models import DatasetVersion, ReferenceDataset
from reviewer.datasets.transfer import export_version
from segmentation.models import Segmentation


class DatasetsView(RoleRequiredMixin, TemplateView):
    allowed_roles = OPERATOR_ROLES
    template_name = "datasets/datasets.html"

    def get_context_data(self, **kwargs):
        datasets = []
        for dataset in ReferenceDataset.objects.prefetch_related("versions__cases"):
            listed = sorted(dataset.versions.all(), key=lambda v: v.number)
            rows = [
                (version, versions.diff(before, version) if before else None)
                for before, version in zip([None, *listed], listed, strict=False)
            ]
            latest = listed[-1] if listed else None
            chosen = {case.exam_id for case in latest.cases.all()} if latest else set()
            datasets.append((dataset, rows[::-1], chosen))
        return super().get_context_data(
            datasets=datasets, exams=_labelled_exams(self.request.user), **kwargs
        )


def _labelled_exams(user):
    """The visible exams with a reference label: what a version can hold."""
    labelled = Segmentation.objects.filter(source=Segmentation.Source.REFERENCE).values("exam")
    return (
        Exam.objects.filter(pk__in=labelled, patient__in=Patient.objects.visible_to(user))
        .select_related("patient")
        .order_by("patient__pseudonym", "order")
    )


class VersionExportView(RoleRequiredMixin, View):
    """A sealed version as a zip of its manifest and files (reviewer.datasets.transfer)."""

    allowed_roles = OPERATOR_ROLES

    def get(self, request, pk: int):
        version = get_object_or_404(DatasetVersion.objects.select_related("dataset"), pk=pk)
        response = HttpResponse(content_type="application/zip")
        name = f"{version.dataset.name}-v{version.number}.zip".replace(" ", "_")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        export_version(version, response)
        return response


class DatasetCreateView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request):
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, "Name the dataset.")
            return redirect("datasets:datasets")
        try:
            ReferenceDataset.objects.create(
                name=name, description=request.POST.get("description", ""), created_by=request.user
            )
        except IntegrityError:
            messages.error(request, f"A dataset named {name!r} exists already.")
        return redirect("datasets:datasets")


class VersionCreateView(RoleRequiredMixin, View):
    allowed_roles = OPERATOR_ROLES

    def post(self, request, pk: int):
        dataset = get_object_or_404(ReferenceDataset, pk=pk)
        chosen = [int(e) for e in request.POST.getlist("exams") if e.isascii() and e.isdigit()]
        exams = _labelled_exams(request.user).filter(pk__in=chosen)
        try:
            version = versions.create_version(
                dataset, exams, user=request.user, note=request.POST.get("note", "")
            )
        except versions.VersionError as refused:
            messages.error(request, f"No new version: {refused}.")
        else:
            cases = version.cases.count()
            messages.success(request, f"{version} sealed: {cases} cases, sha256 {version.sha256}.")
        return redirect("datasets:datasets")
