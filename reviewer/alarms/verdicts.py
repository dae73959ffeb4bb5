"""A reader's verdict on an alarm: a true or a false alarm, with an optional comment. Verdicts are
append-only; a change of mind supersedes the alarm's latest verdict, and a form based on an
older one (or a first verdict given after someone else's) is refused as stale."""

from reviewer.alarms.appending import SubmissionError, append
from reviewer.alarms.live import announce_exam_alarms
from reviewer.alarms.models import Alarm, AlarmVerdict

STALE = "someone judged this alarm meanwhile: reload to see their verdict"
ONE_LINE = (
    "alarms_alarmverdict_supersedes_once",
    "alarms_alarmverdict_one_first_verdict",
    "alarms_alarmverdict.supersedes_id",  # SQLite names the columns
    "alarms_alarmverdict.alarm_id",
)


def record_verdict(
    *,
    user,
    alarm: Alarm,
    true_alarm: bool,
    comment: str = "",
    supersedes: AlarmVerdict | None = None,
) -> AlarmVerdict:
    """Record ``user``'s verdict on ``alarm``; ``supersedes`` is the alarm's latest verdict as
    the reader saw it (None when they saw none)."""
    if supersedes is not None and supersedes.alarm_id != alarm.pk:
        raise SubmissionError(
            f"verdict {supersedes.pk} is not a verdict of alarm {alarm.pk}", "supersedes"
        )
    verdict = AlarmVerdict(
        alarm=alarm, reader=user, true_alarm=true_alarm, comment=comment, supersedes=supersedes
    )
    recorded = append(verdict, one_line=ONE_LINE, stale=STALE, field="supersedes")
    announce_exam_alarms(alarm.exam_id)
    return recorded
