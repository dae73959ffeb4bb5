from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from reviewer.imports.models import ImportJob

for model in (ImportJob,):
    admin.site.register(model, OperatorModelAdmin)
