from rest_framework import serializers

from reviewer.cases.serializers import PatientSerializer
from reviewer.grading.states import ReviewState


class WorklistRowSerializer(PatientSerializer):
    """A worklist row: the patient's columns, its risk score and its review state. The
    review status of each row comes from the view (context "statuses", by patient pk)."""

    risk_score = serializers.IntegerField(
        read_only=True, help_text="reviewer.alarms.risk: 100 × worst severity + counting alarms"
    )
    review_state = serializers.SerializerMethodField()
    open_for_user = serializers.SerializerMethodField(
        help_text="one of the requesting user's open cases"
    )

    class Meta(PatientSerializer.Meta):
        fields = [
            "pseudonym",
            "disease",
            "exam_count",
            "latest_exam_date",
            "missing_series",
            "open_alarm_count",
            "risk_score",
            "review_state",
            "open_for_user",
        ]

    def get_review_state(self, patient) -> ReviewState:
        return self.context["statuses"][patient.pk].state

    def get_open_for_user(self, patient) -> bool:
        return self.context["statuses"][patient.pk].open_for_user
