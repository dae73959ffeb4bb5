"""The readers of the load benchmark (reviewer.worklist.load_bench), as a locustfile.

Locust runs it in its own process (gevent patches sockets and threads there, never in Django's).
It imports nothing of the app: the benchmark hands it a plan, a JSON file named by
NEUROREVIEW_LOAD_PLAN with the readers' usernames, their password and where to write results.

Each reader signs in through the login page (session and CSRF cookie, as a browser does), then
loops: the worklist page and its API, the viewer manifest of a case on the worklist, the voxels
of the current exam and of one of the case's composite segmentations (once per reader: their URLs
name the content, and a browser's cache keeps them), that segmentation's grading panel and its
assessments, an assessment superseding the newest, then the verdicts and a verdict on one of its
lesions superseding that lesion's newest. A 409 (someone graded it meanwhile) is the answer a
reader reloads after: expected, counted apart, not an error.

Every write carries a number unique to it in reading_time_ms (the one field both assessments and
verdicts take freely), so that the benchmark can find it in the database: stored once, not lost.
At the end the process writes every request (kind, milliseconds, status) and every write's
outcome to the plan's results file."""

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.exception import RescheduleTask

PLAN = json.loads(Path(os.environ["NEUROREVIEW_LOAD_PLAN"]).read_text())
WRITE_NUMBERS_PER_READER = 1_000_000  # reader i's writes are numbered i × this + 1, + 2, …
readers = itertools.count()  # the next reader's index: one process, greenlets take turns
requests: list[tuple[str, float, int]] = []  # (kind, ms, status; 0 without an answer)
writes: list[dict] = []


@events.request.add_listener
def _record(name, response_time, response, **kwargs) -> None:
    requests.append((name, response_time, getattr(response, "status_code", 0) or 0))


@events.quitting.add_listener
def _save(**kwargs) -> None:
    results = {"requests": requests, "writes": writes}
    Path(PLAN["results"]).write_text(json.dumps(results))


def newest(history: list[dict]) -> int | None:
    """The id of the row of a history that no other row of it supersedes (None when empty)."""
    superseded = {row["supersedes"] for row in history}
    return next((row["id"] for row in history if row["id"] not in superseded), None)


class Reader(HttpUser):
    wait_time = between(*PLAN["think_s"])

    def on_start(self) -> None:
        self.index = next(readers)
        self.write_numbers = itertools.count(self.index * WRITE_NUMBERS_PER_READER + 1)
        self.cached_voxels: set[str] = set()
        self._get("/login/", "login page")
        form = {
            "username": PLAN["readers"][self.index],
            "password": PLAN["password"],
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
        }
        with self.client.post(
            "/login/", data=form, name="login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:  # the login page again: refused
                response.failure(f"login refused ({response.status_code})")
                raise RescheduleTask()

    @task
    def read_and_grade(self) -> None:
        self._get("/worklist/", "worklist page")
        rows = self._get("/api/worklist/", "worklist").json()["results"]
        pseudonym = random.choice(rows)["pseudonym"]
        manifest = self._get(f"/api/cases/{pseudonym}/viewer/", "manifest").json()
        shown = [
            (exam, segmentation)
            for exam in manifest["exams"]
            for segmentation in exam["segmentations"]
            if segmentation["source"] == "composite"
        ]
        current = manifest["exams"][0]
        if not shown:  # nothing to grade in this case (no model has segmented it)
            self._voxels(current["series"])
            return
        exam, segmentation = random.choice(shown)
        self._voxels([*exam["series"], segmentation])
        self._grade(segmentation)

    def _grade(self, segmentation: dict) -> None:
        url = f"/api/segmentations/{segmentation['id']}"
        scale = self._get(f"{url}/grading/", "grading panel").json()["scale"]
        level = random.choice(scale["levels"])["value"]
        history = self._get(f"{url}/assessments/", "assessments").json()
        self._write(
            "assessment",
            f"{url}/assessments/",
            {
                "acceptable": level >= scale["levels"][len(scale["levels"]) // 2]["value"],
                scale["field"]: level,
                "comment": f"load test, reader {self.index}",
                "supersedes": newest(history),
            },
        )
        if not segmentation["lesions"]:
            return
        lesion = random.choice(segmentation["lesions"])["id"]
        verdicts = self._get(f"{url}/verdicts/", "verdicts").json()
        self._write(
            "verdict",
            f"{url}/verdicts/",
            {
                "decision": random.choice(["accepted", "rejected"]),
                "lesion": lesion,
                "supersedes": newest([v for v in verdicts if v["lesion"] == lesion]),
            },
        )

    def _get(self, url: str, kind: str):
        with self.client.get(url, name=kind, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                raise RescheduleTask()
            return response

    def _voxels(self, volumes: list[dict]) -> None:
        for volume in volumes:
            if volume["url"] not in self.cached_voxels:
                self._get(volume["url"], "voxels")
                self.cached_voxels.add(volume["url"])

    def _write(self, kind: str, url: str, body: dict) -> None:
        number = next(self.write_numbers)
        headers = {"X-CSRFToken": self.client.cookies["csrftoken"]}
        outcome = {"kind": kind, "number": number, "reader": self.index}
        with self.client.post(
            url,
            json={**body, "reading_time_ms": number},
            headers=headers,
            name=f"{kind} write",
            catch_response=True,
        ) as response:
            outcome["status"] = response.status_code or 0
            if response.status_code == 201:
                outcome["id"] = response.json()["id"]
            elif response.status_code == 409:
                response.success()  # stale: the reader reloads, as the page tells them
            else:
                response.failure(f"{response.status_code}")
        writes.append(outcome)
