"""The clock reader studies decide by: when a reading finished, and so when a washout ends.

It is the server's time. A test that plays a study through a running server moves it forward
without waiting two weeks: with the NEUROREVIEW_STUDY_CLOCK_FILE setting naming a file, the
number of seconds written in it is added. Production leaves the setting empty."""

import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now() + _offset()


def _offset() -> datetime.timedelta:
    path = settings.NEUROREVIEW_STUDY_CLOCK_FILE
    if not path:
        return datetime.timedelta(0)
    try:
        return datetime.timedelta(seconds=float(Path(path).read_text()))
    except FileNotFoundError:
        return datetime.timedelta(0)
