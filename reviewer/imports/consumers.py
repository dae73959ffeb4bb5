from reviewer.core.consumers import JobProgressConsumer
from reviewer.core.permissions import IMPORT_ROLES, has_role
from reviewer.imports.models import ImportJob


class ImportJobConsumer(JobProgressConsumer):
    def visible_jobs(self, user):
        if not has_role(user, IMPORT_ROLES):
            return ImportJob.objects.none()
        jobs = ImportJob.objects.all()
        return jobs if user.is_data_steward else jobs.filter(created_by=user)
