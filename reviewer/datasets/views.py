"""The QA admin's reference datasets page: the datasets with their sealed versions (hash, cases,
what changed from the version before), a new dataset, a new version from the exams that
have a reference label, and a version imported from an exported zip. The forms post here;
refusals come back as messages."""

import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
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
from reviewer.datasets.transfer import TransferError, export_version, import_version
from segmentation.models import Segmentation


class DatasetsView(RoleRequiredMixin, TemplateView):
    allowed_roles = OPERATOR_ROLES
    template_name = "datasets/datasets.html"

    def get_context_data(self, **kwargs):
        exams = list(_labelled_exams(self.request.user))
        datasets = []
        for dataset in ReferenceDataset.objects.prefetch_related("versions__cases"):
            listed = sorted(dataset.versions.all(), key=lambda v: v.number)
            rows = [
                (version, versions.diff(before, version) if before else None)
                for before, version in zip([None, *listed], listed, strict=False)
            ]
            latest = listed[-1] if listed else None
            # each exam the form offers, with its case in the latest version (and its strata)
            chosen = {case.exam_id: case for case in latest.cases.all()} if latest else {}
            offered = [(exam, chosen.get(exam.pk)) for exam in exams]
            datasets.append((dataset, rows[::-1], offered))
        return super().get_context_data(datasets=datasets, exams=exams, **kwargs)


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
        # the strata the form gives; an exam without its fields keeps the latest version's
        strata = {
            exam.pk: versions.Strata.given(
                request.POST.get(f"tumour_group-{exam.pk}"), request.POST.get(f"site-{exam.pk}")
            )
            for exam in exams
            if f"tumour_group-{exam.pk}" in request.POST or f"site-{exam.pk}" in request.POST
        }
        try:
            version = versions.create_version(
                dataset, exams, user=request.user, strata=strata, note=request.POST.get("note", "")
            )
        except versions.VersionError as refused:
            messages.error(request, f"No new version: {refused}.")
        else:
            cases = version.cases.count()
            messages.success(request, f"{version} sealed: {cases} cases, sha256 {version.sha256}.")
        return redirect("datasets:datasets")


class VersionImportView(RoleRequiredMixin, View):
    """A version exported by VersionExportView or export_dataset_version, uploaded: imported
    in one transaction (reviewer.datasets.transfer), so a refused zip leaves nothing behind."""

    allowed_roles = OPERATOR_ROLES

    def post(self, request):
        upload = request.FILES.get("zip")
        dataset = request.POST.get("dataset", "").strip()
        name_limit = ReferenceDataset._meta.get_field("name").max_length
        if upload is None:
            messages.error(request, "Choose the exported zip of a dataset version.")
        elif len(dataset) > name_limit:
            messages.error(request, f"A dataset name has at most {name_limit} characters.")
        else:
            self._import(request, upload, dataset)
        return redirect("datasets:datasets")

    def _import(self, request, upload, dataset: str) -> None:
        upload_dir = Path(settings.NEUROREVIEW_UPLOAD_DIR)
        upload_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=upload_dir) as folder:
            # under its own name, so that the import's messages name the file the user chose
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            if not zipfile.is_zipfile(path):
                messages.error(
                    request,
                    f"Nothing was imported: {upload.name} is not a zip archive. Upload the zip "
                    "that a version's Export link (or export_dataset_version) wrote.",
                )
                return
            try:
                version = import_version(path, user=request.user, dataset=dataset)
            except TransferError as refused:
                messages.error(request, f"Nothing was imported. {refused}")
                return
        cases = version.cases.count()
        messages.success(request, f"{version} imported: {cases} cases, sha256 {version.sha256}.")
