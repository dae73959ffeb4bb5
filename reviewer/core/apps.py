from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reviewer.core"
    label = "core"
    verbose_name = "Users, roles and background jobs"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from reviewer.core.tokens import revoke_tokens

        user_logged_out.connect(revoke_tokens, dispatch_uid="core.revoke_tokens")
