from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class NeuroReviewAdminSite(admin.AdminSite):
    """Admission by role (QA admin, data steward), not by Django's is_staff flag."""

    site_header = "NeuroReview administration"

    def has_permission(self, request) -> bool:
        from reviewer.core.permissions import OPERATOR_ROLES, has_role

        return request.user.is_active and has_role(request.user, OPERATOR_ROLES)


class NeuroReviewAdminConfig(AdminConfig):
    default_site = "neuroreview.admin_site.NeuroReviewAdminSite"
