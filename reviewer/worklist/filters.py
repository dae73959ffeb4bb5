"""The worklist's filters and sorting, shared by the page and the worklist API: the patient
filters of cases, plus the review state, "my open cases" and the risk score.

"My open cases" are grading's `open_for_user`: cases not done in which the user has graded,
judged or diagnosed something, or that wait for a second opinion the user (not the first reader)
may give. There is no assignment of cases to readers yet (reader studies will bring one)."""

import django_filters

from reviewer.alarms.risk import with_risk
from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.filters import WORKLIST_ORDERING as PATIENT_ORDERING
from reviewer.cases.filters import PatientFilter, TrueOrFalse
from reviewer.cases.models import Patient
from reviewer.core.models import Role
from reviewer.grading.states import ReviewState, ReviewStatus, review_states

WORKLIST_ORDERING = (*PATIENT_ORDERING, "risk_score")


def worklist_patients(user):
    """The patients the user may see, with every column the worklist shows or sorts by."""
    patients = Patient.objects.visible_to(user).with_worklist_columns(exams_without_ai(user))
    return with_risk(patients, user)


def default_ordering(user) -> str:
    """A radiologist triages: the highest risk first. Others browse by pseudonym."""
    return "-risk_score" if user.role == Role.RADIOLOGIST else "pseudonym"


def row_statuses(patients, user) -> dict[int, ReviewStatus]:
    """The review status of the rows of one page, by patient pk."""
    return review_states(Patient.objects.filter(pk__in=[p.pk for p in patients]), user)


class WorklistFilter(PatientFilter):
    review = django_filters.ChoiceFilter(
        choices=ReviewState.choices, method="filter_review", label="Review state"
    )
    mine = TrueOrFalse(method="filter_mine", label="My open cases")

    class Meta(PatientFilter.Meta):
        fields = [*PatientFilter.Meta.fields, "review", "mine"]

    def filter_review(self, queryset, name, value):
        return queryset.filter(
            pk__in=[pk for pk, status in self.statuses().items() if status.state == value]
        )

    def filter_mine(self, queryset, name, value):
        mine = [pk for pk, status in self.statuses().items() if status.open_for_user]
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)

    def statuses(self) -> dict[int, ReviewStatus]:
        """The review status of every patient the user may see, computed once per request: the
        state depends on grades, verdicts and diagnoses that no column of the queryset holds."""
        if not hasattr(self, "_statuses"):
            user = self.request.user
            self._statuses = review_states(Patient.objects.visible_to(user), user)
        return self._statuses
