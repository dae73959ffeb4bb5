from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views.generic import RedirectView, TemplateView

from reviewer.core.health import health
from reviewer.core.models import Role
from reviewer.core.permissions import OPERATOR_ROLES, RoleRequiredMixin


class HomeView(LoginRequiredMixin, RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        role = self.request.user.role
        return "/exports/" if role == Role.RESEARCHER else "/worklist/"


class HealthView(RoleRequiredMixin, TemplateView):
    allowed_roles = OPERATOR_ROLES
    template_name = "core/health.html"

    def get(self, request, *args, **kwargs):
        report = health()
        if request.GET.get("format") == "json":
            return JsonResponse(report, status=200 if report["ok"] else 503)
        return self.render_to_response(self.get_context_data(report=report))
