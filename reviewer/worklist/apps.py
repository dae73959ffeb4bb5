from django.apps import AppConfig


class WorklistConfig(AppConfig):
    """The reader's pages over everything below: the worklist and the case summary. They sit on
    top of the concerns they summarise (cases, segmentations, alarms, grading)."""

    name = "reviewer.worklist"
    label = "worklist"
    verbose_name = "Worklist"
