from reviewer.core.consumers import JobProgressConsumer
from reviewer.core.permissions import EXPORT_ROLES, has_role
from reviewer.exports.models import ExportJob


class ExportJobConsumer(JobProgressConsumer):
    """An export job's progress, for its owner alone (its zip is theirs)."""

    def visible_jobs(self, user):
        if not has_role(user, EXPORT_ROLES):
            return ExportJob.objects.none()
        return ExportJob.objects.filter(created_by=user)
