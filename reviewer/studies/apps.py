from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "reviewer.studies"
    label = "studies"
    verbose_name = "Studies and surveys"

    def ready(self):
        # the concerns that let AI output out ask reviewer.cases.blinding, which asks these rules
        from reviewer.cases import blinding
        from reviewer.studies.blinding import exams_without_ai, exams_without_reference

        blinding.register(exams_without_ai, hides=blinding.AI)
        blinding.register(exams_without_reference, hides=blinding.REFERENCE)
