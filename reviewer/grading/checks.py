"""Start-up check: the project's grading scale names a scale that exists."""

from django.conf import settings
from django.core.checks import Error

from reviewer.grading.scales import SCALES, SETTING


def grading_scale_exists(app_configs, **kwargs) -> list[Error]:
    value = getattr(settings, SETTING)
    if value in SCALES:
        return []
    return [
        Error(
            f"{SETTING} is {value!r}; it must be one of {', '.join(SCALES)}",
            id="grading.E001",
        )
    ]
