"""The one door through which every concern asks whether a user may see the AI output of an
exam (segmentations, lesions, volumes, alarms, flows, candidate counts).

The rule itself belongs to reader studies (reviewer.studies.blinding, spec ms-workflows S-07),
a concern above most of those that let AI output out. So that they need not import it, the
studies app registers its rule here when Django starts (StudiesConfig.ready); a concern below
asks ``exams_without_ai(user)`` and never learns why an exam is hidden."""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from reviewer.cases.models import Exam

# each rule: user -> a queryset of the ids of the exams whose AI output the user may not see now
_rules: list[Callable[[object], QuerySet]] = []


def register(rule: Callable[[object], QuerySet]) -> None:
    if rule not in _rules:
        _rules.append(rule)


def exams_without_ai(user) -> QuerySet:
    """The ids of the exams whose AI output the user may not see now, as a subquery: filter
    with ``exam__in=`` or ``exclude(exam__in=…)``."""
    if not _rules:
        return Exam.objects.none().values_list("pk", flat=True)
    hidden = Q()
    for rule in _rules:
        hidden |= Q(pk__in=rule(user))
    return Exam.objects.filter(hidden).values_list("pk", flat=True)


def ai_visible(user, exam) -> bool:
    return not exams_without_ai(user).filter(pk=exam.pk).exists()
