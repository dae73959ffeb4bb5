from reviewer.core.consumers import JobProgressConsumer
from reviewer.core.permissions import OPERATOR_ROLES, has_role
from reviewer.validation.models import RobustnessSweep, ValidationRun


class ValidationRunConsumer(JobProgressConsumer):
    """Progress of a validation run, for QA admins."""

    def visible_jobs(self, user):
        if not has_role(user, OPERATOR_ROLES):
            return ValidationRun.objects.none()
        return ValidationRun.objects.all()


class RobustnessSweepConsumer(JobProgressConsumer):
    """Progress of a run's robustness sweep, for QA admins."""

    def visible_jobs(self, user):
        if not has_role(user, OPERATOR_ROLES):
            return RobustnessSweep.objects.none()
        return RobustnessSweep.objects.all()
