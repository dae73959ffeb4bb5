"""One place for who may do what: roles gate pages and endpoints; object visibility is
Patient.objects.visible_to(user) and answers 404 for what a user may not see."""

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import BasePermission

from reviewer.core.models import Role

CLINICAL_ROLES = (Role.RADIOLOGIST, Role.QA_ADMIN, Role.ADMIN)
IMPORT_ROLES = (Role.QA_ADMIN, Role.ADMIN)
EXPORT_ROLES = (Role.RESEARCHER, Role.QA_ADMIN, Role.ADMIN)
OPERATOR_ROLES = (Role.QA_ADMIN, Role.ADMIN)
STEWARD_ROLES = (Role.ADMIN,)


def has_role(user, roles) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


class RoleRequiredMixin(AccessMixin):
    """Pages: anonymous users go to the login page; a logged-in user without the role gets 403."""

    allowed_roles: tuple[str, ...] = ()
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.role not in self.allowed_roles:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def role_permission(*roles: str) -> type[BasePermission]:
    """API: a DRF permission class admitting authenticated users with one of the roles."""

    class HasRole(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            return has_role(request.user, roles)

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole
