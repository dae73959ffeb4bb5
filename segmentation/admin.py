from django.contrib import admin

from reviewer.core.admin import OperatorModelAdmin
from segmentation.models import Lesion, Segmentation

for model in (Segmentation, Lesion):
    admin.site.register(model, OperatorModelAdmin)
