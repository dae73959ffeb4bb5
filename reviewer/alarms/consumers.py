from reviewer.alarms.live import case_alarms_group
from reviewer.alarms.services import case_alarm_state
from reviewer.cases.models import Patient
from reviewer.core.consumers import LiveStateConsumer
from reviewer.core.permissions import CLINICAL_ROLES, has_role


class CaseAlarmsConsumer(LiveStateConsumer):
    """A patient's open alarms and risk score per exam, live: whenever a background job raises
    or clears an alarm, or a reader judges one, the new state is pushed. Alarms the user may not
    see now (reviewer.cases.blinding) are never sent: the state is as if there were none."""

    def visible_object(self, user, pseudonym):
        if not has_role(user, CLINICAL_ROLES):
            return None
        return Patient.objects.visible_to(user).filter(pseudonym=pseudonym).first()

    def group(self) -> str:
        return case_alarms_group(self.object.pk)

    def state(self) -> dict:
        return case_alarm_state(self.object, self.scope["user"])
