from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reviewer.core"
    label = "core"
    verbose_name = "Users, roles and background jobs"
