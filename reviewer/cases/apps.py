from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reviewer.cases"
    label = "cases"
    verbose_name = "Cases: patients, exams and series"
