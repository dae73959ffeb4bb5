from django.db import models

from segmentation.engine.targets import Target

TargetChoices = models.TextChoices("TargetChoices", [(t.value, t.value) for t in Target])
