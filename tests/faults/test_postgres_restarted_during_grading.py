"""PostgreSQL killed (every server process at once, as in a crash) and started again while a
reader's client grades as fast as the web server answers: the client gets 503 with Retry-After
and a JSON message while the database is down, and no assessment is lost or stored twice."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

from reviewer.grading.models import Assessment
from tests.faults.conftest import PRIVATE, wait_for


def call(url: str, *, token: str = "", body: dict | None = None) -> tuple[int, dict, object]:
    """One HTTP request: (status, headers, JSON body or text)."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Token {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, content = error.code, error.headers, error.read()
    is_json = headers.get("Content-Type", "").startswith("application/json")
    return status, dict(headers), json.loads(content) if is_json else content.decode()


class GradingClient(threading.Thread):
    """A reader's client grading segmentations in turn, each assessment superseding the one
    before it on its segmentation (a history is one chain). An answer 503 is sent again
    (at once, not after Retry-After, to keep the test short); a 409 to a resent assessment
    means its first sending had landed: the client reloads the history and finds it there."""

    def __init__(self, base: str, token: str, segmentations: list[int]):
        super().__init__(daemon=True)
        self.base, self.token, self.segmentations = base, token, segmentations
        self.latest: dict[int, int | None] = dict.fromkeys(segmentations)
        self.recorded: dict[str, int] = {}  # comment -> assessment pk, as the server said
        self.outage_answers: list[tuple[int, dict, object]] = []
        self.other_answers: list[tuple[int | str, object]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        number = 0
        try:
            while not self.halt.is_set():
                self.grade(self.segmentations[number % len(self.segmentations)], f"burst {number}")
                number += 1
        except Exception as error:  # the test reports it rather than wait in vain
            self.other_answers.append(("client error", repr(error)))

    def grade(self, segmentation: int, comment: str) -> None:
        url = f"{self.base}/api/segmentations/{segmentation}/assessments/"
        body = {
            "acceptable": True,
            "grade": 4,
            "comment": comment,
            "supersedes": self.latest[segmentation],
        }
        resent = False
        while not self.halt.is_set():
            try:
                status, headers, answer = call(url, token=self.token, body=body)
            except OSError:  # the connection was refused or dropped: send again
                resent = True
                continue
            if status == 201:
                pk = answer["id"]
            elif status == 409 and resent:
                [pk] = [a["id"] for a in call(url, token=self.token)[2] if a["comment"] == comment]
            elif status == 503:
                self.outage_answers.append((status, headers, answer))
                resent = True
                continue
            else:
                self.other_answers.append((status, answer))
                return
            self.recorded[comment] = self.latest[segmentation] = pk
            return


def test_grades_sent_while_postgresql_restarts_are_stored_once_after_clear_503s(stack, cohort):
    seeded = stack.seed("grader", brats=str(cohort))
    base = stack.web()
    _, _, login = call(
        f"{base}/api/auth/token/",
        body={"username": seeded["username"], "password": seeded["password"]},
    )
    client = GradingClient(base, login["token"], seeded["segmentations"])
    client.start()
    try:
        wait_for(
            lambda: len(client.recorded) >= 20 or client.other_answers,
            timeout_s=60,
            what="20 grades recorded",
        )
        stack.postgres.stop()
        wait_for(
            lambda: client.outage_answers or client.other_answers,
            timeout_s=30,
            what="an answer during the outage",
        )
        stack.postgres.start()
        before = len(client.recorded)
        wait_for(
            lambda: len(client.recorded) >= before + 20 or client.other_answers,
            timeout_s=60,
            what="20 more grades recorded after the restart",
        )
    finally:
        client.halt.set()
        client.join(timeout=30)

    assert client.other_answers == []
    for status, headers, answer in client.outage_answers:
        assert (status, headers["Retry-After"]) == (503, "5")
        assert "database is unavailable" in answer["detail"]
    stored = Assessment.objects.using(PRIVATE)
    assert Counter(stored.values_list("comment", flat=True)).most_common(1)[0][1] == 1
    assert dict(stored.values_list("comment", "pk")) == client.recorded
