from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from reviewer.cases.models import Patient
from reviewer.core.permissions import CLINICAL_ROLES, RoleRequiredMixin
from reviewer.pacs import results
from segmentation.models import Segmentation


class SendSegView(RoleRequiredMixin, View):
    """The case page's "Send SEG to PACS": a graded segmentation to the PACS its exam came from."""

    allowed_roles = CLINICAL_ROLES

    def post(self, request, pseudonym: str, pk: int):
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pseudonym=pseudonym)
        segmentation = get_object_or_404(Segmentation, pk=pk, exam__patient=patient)
        if not segmentation.assessments.exists():
            messages.error(request, "Grade the segmentation before it goes to the PACS.")
        else:
            try:
                sent = results.send_seg(segmentation, user=request.user)
            except results.NotSendable as refused:
                messages.error(request, str(refused).capitalize() + ".")
            else:
                report = messages.success if sent.status == sent.Status.SENT else messages.error
                report(
                    request,
                    f"SEG to {sent.connection}: {sent.get_status_display()}, {sent.answer}.",
                )
        return redirect("worklist:case-detail", pseudonym)
