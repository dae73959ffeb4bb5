from reviewer.consumers import JobProgressConsumer
from reviewer.models import Patient
from reviewer.permissions import CLINICAL_ROLES, has_role
from segmentation.models import InferenceJob


class InferenceJobConsumer(JobProgressConsumer):
    """Progress of an inference job, for whoever may see its patient."""

    def visible_jobs(self, user):
        if not has_role(user, CLINICAL_ROLES):
            return InferenceJob.objects.none()
        return InferenceJob.objects.filter(patient__in=Patient.objects.visible_to(user))
