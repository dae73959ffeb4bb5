from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from reviewer.viewer.models import Registration

for model in (Registration,):
    admin.site.register(model, OperatorModelAdmin)
