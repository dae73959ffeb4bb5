from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.pacs import sending
from segmentation.models import Segmentation


class SendResultsView(RoleRequiredMixin, View):
    """The case page's "Send to PACS": a graded segmentation's SEG, SR, overlays and report to
    the PACS its exam came from."""

    allowed_roles = CLINICAL_ROLES

    def post(self, request, pseudonym: str, pk: int):
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pseudonym=pseudonym)
        shown = Segmentation.objects.shown_to(request.user)  # else its results leave through them
        segmentation = get_object_or_404(shown, pk=pk, exam__patient=patient)
        try:
            sent = sending.send_results(segmentation, user=request.user)
        except sending.NotSendable as refused:
            messages.error(request, str(refused).capitalize() + ".")
            return redirect("worklist:case-detail", pseudonym)
        failed = [s for s in sent if s.status == s.Status.FAILED]
        if failed:
            messages.error(
                request,
                f"{len(failed)} of {len(sent)} series refused by {sent[0].connection}: "
                + "; ".join(f"{s.description}: {s.answer}" for s in failed)
                + ".",
            )
        else:
            messages.success(request, f"{len(sent)} series sent to {sent[0].connection}.")
        return redirect("worklist:case-detail", pseudonym)
