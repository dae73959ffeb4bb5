from reviewer.alarms.services import case_alarm_state
from reviewer.cases.models import Patient
from reviewer.core.consumers import PolledStateConsumer
from reviewer.core.permissions import CLINICAL_ROLES, has_role


class CaseAlarmsConsumer(PolledStateConsumer):
    """A patient's open alarms and risk score per exam, live: whenever a background job raises
    or clears an alarm, the next poll sends the new state."""

    def visible_object(self, user, pseudonym):
        if not has_role(user, CLINICAL_ROLES):
            return None
        return Patient.objects.visible_to(user).filter(pseudonym=pseudonym).first()

    def state(self) -> dict:
        return case_alarm_state(self.object)
