from django.contrib import admin

from reviewer.alarms.models import Alarm
from reviewer.core.admin import OperatorModelAdmin

for model in (Alarm,):
    admin.site.register(model, OperatorModelAdmin)
