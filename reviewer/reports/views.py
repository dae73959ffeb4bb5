import csv

from django.http import HttpResponse
from django.views.generic import TemplateView

from reviewer.core.permissions import EXPORT_ROLES, RoleRequiredMixin
from reviewer.reports.exports import EXPORT_COLUMNS, export_rows
from reviewer.reports.quality import QUALITY_ROLES, grading_table, quality_dashboard


class ExportView(RoleRequiredMixin, TemplateView):
    allowed_roles = EXPORT_ROLES
    template_name = "reports/export_list.html"

    def get_context_data(self, **kwargs):
        rows = export_rows(self.request.user)
        return super().get_context_data(
            columns=EXPORT_COLUMNS,
            rows=rows[:20],
            row_count=len(rows),
            patient_count=len({r["pseudonym"] for r in rows}),
            **kwargs,
        )


class ExportCsvView(RoleRequiredMixin, TemplateView):
    allowed_roles = EXPORT_ROLES

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="neuroreview-cases.csv"'
        writer = csv.DictWriter(response, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(export_rows(request.user))
        return response


class QualityDashboardView(RoleRequiredMixin, TemplateView):
    """The QA dashboard: tables rendered here, so the page reads without JavaScript; the
    charts draw the same figures from /api/reports/quality/."""

    allowed_roles = QUALITY_ROLES
    template_name = "reports/quality_dashboard.html"

    def get_context_data(self, **kwargs):
        dashboard = quality_dashboard(self.request.user)
        return super().get_context_data(
            dashboard=dashboard, grading_rows=grading_table(dashboard.grading), **kwargs
        )
