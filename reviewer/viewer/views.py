from django.http import Http404
from django.urls import reverse
from django.views.generic import DetailView

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, OPERATOR_ROLES, RoleRequiredMixin, has_role


class ViewerView(RoleRequiredMixin, DetailView):
    """The exam viewer page: a shell that the frontend fills from the manifest endpoint.
    ?exam=<id> picks the current exam (default: the latest); ?segmentation=<id> the segmentation
    of it to review (default: its first AI result), e.g. from the case page."""

    allowed_roles = CLINICAL_ROLES
    template_name = "viewer/viewer.html"
    slug_field = slug_url_kwarg = "pseudonym"
    context_object_name = "patient"

    def get_queryset(self):
        return Patient.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        manifest_url = reverse("case-viewer", args=[self.object.pseudonym])
        exam = self.request.GET.get("exam")
        if exam is not None:
            if not (_is_id(exam) and self.object.exams.filter(pk=int(exam)).exists()):
                raise Http404(f"exam {exam!r} is not an exam of patient {self.object}")
            manifest_url += f"?exam={int(exam)}"
        segmentation = self.request.GET.get("segmentation", "")
        if segmentation and not _is_id(segmentation):
            raise Http404(f"segmentation {segmentation!r} is not a segmentation id")
        return super().get_context_data(
            manifest_url=manifest_url,
            segmentation=segmentation,
            may_review_preprocessing=has_role(self.request.user, OPERATOR_ROLES),
            **kwargs,
        )


def _is_id(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses (a 500)."""
    return text.isascii() and text.isdigit() and len(text) <= 18
