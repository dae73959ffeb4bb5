"""The statistics page of a started study version: the tables of reviewer.studies.analysis,
and the same figures drawn with plotly (frontend/src/entries/studyStatistics.ts)."""

from django.http import Http404
from django.views.generic import TemplateView

from reviewer.studies.analysis import Refused, analyse
from reviewer.studies.design_views import DesignerMixin


class StudyStatisticsView(DesignerMixin, TemplateView):
    template_name = "studies/statistics.html"

    def get_context_data(self, **kwargs):
        version = self.version()
        if version.locked_at is None:
            raise Http404(f"{version} is a draft: it has no readings yet")
        results = analyse(version)
        charts = {
            "times": results["times"]["per_reading"],
            "agreement": [
                {
                    "question": row["question"],
                    "arm": row["arm"],
                    "value": row["fleiss"].value,
                    "ci_low": row["fleiss"].ci_low,
                    "ci_high": row["fleiss"].ci_high,
                }
                for row in results["agreement"]
                if not isinstance(row["fleiss"], Refused)
            ],
            "detection": _detection_chart(results["detection"]),
        }
        return super().get_context_data(
            **{**kwargs, "version": version, "results": results, "charts": charts}
        )


def _detection_chart(detection) -> list[dict]:
    if isinstance(detection, Refused):
        return []
    return [
        {
            "reader": row["reader"],
            "arm": row["arm"],
            "value": row["result"].sensitivity,
            "ci_low": row["result"].ci_low,
            "ci_high": row["result"].ci_high,
        }
        for row in detection["rows"]
        if not isinstance(row["result"], Refused)
    ]
