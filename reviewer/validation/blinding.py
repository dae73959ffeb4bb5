"""What a reader study hides of a validation run from a QA admin who reads in it
(reviewer.cases.blinding): its cases on exams whose AI output they may not see now. The gate
names such cases without their maps, volumes or grades (gate.as_page); the evaluation, whose
means, strata and correlations all draw on every case, is withheld whole until they are read."""

from reviewer.cases.blinding import exams_without_ai
from reviewer.validation.models import ValidationRun


def hidden_exams(user) -> set[int]:
    return set(exams_without_ai(user))


def hides_cases(run: ValidationRun, user) -> bool:
    return run.cases.filter(case__exam__in=exams_without_ai(user)).exists()
