"""The one door through which every concern asks what a user may not see of an exam now:
its AI output (segmentations, lesions, volumes, alarms, flows, candidate counts), or its
reference segmentations and other readers' maps.

The rules belong to reader studies (reviewer.studies.blinding, spec ms-workflows S-07), a
concern above most of those that let such output out. So that they need not import it, the
studies app registers its rules here when Django starts (StudiesConfig.ready); a concern below
asks ``exams_without_ai(user)`` or ``exams_without_reference(user)`` and never learns why."""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from reviewer.cases.models import Exam

# each rule: user -> a queryset of the ids of the exams whose output of that kind is hidden now
Rule = Callable[[object], QuerySet]
AI, REFERENCE = "ai", "reference"
_rules: dict[str, list[Rule]] = {AI: [], REFERENCE: []}


def register(rule: Rule, hides: str = AI) -> None:
    if rule not in _rules[hides]:
        _rules[hides].append(rule)


def exams_without_ai(user) -> QuerySet:
    """The ids of the exams whose AI output the user may not see now, as a subquery: filter
    with ``exam__in=`` or ``exclude(exam__in=…)``."""
    return _hidden(AI, user)


def exams_without_reference(user) -> QuerySet:
    """The ids of the exams whose reference segmentations and readers' maps the user may not
    see now (they still read the patient in a reader study)."""
    return _hidden(REFERENCE, user)


def ai_visible(user, exam) -> bool:
    return not exams_without_ai(user).filter(pk=exam.pk).exists()


def _hidden(kind: str, user) -> QuerySet:
    # a rule with nothing to hide answers an empty queryset: the common case costs no subquery
    found = (rule(user) for rule in _rules[kind])
    hiding = [exams for exams in found if not exams.query.is_empty()]
    if not hiding:
        return Exam.objects.none().values_list("pk", flat=True)
    hidden = Q()
    for exams in hiding:
        hidden |= Q(pk__in=exams)
    return Exam.objects.filter(hidden).values_list("pk", flat=True)
