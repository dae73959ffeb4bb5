"""A reader's own reader studies through the API (read-only): the started versions they read
in, with their first arm, progress, when their phase 2 opens and their readings in order;
nothing of another reader's, no draft, no writes."""

import datetime

from django.test import Client

from reviewer.studies.models import Reading
from tests.reviewer.studies.conftest import START, read_through_phase


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reader_lists_the_started_studies_they_read_in(started, readers):
    listed = client_of(readers[0]).get("/api/my-studies/").json()["results"]

    assert [(study["id"], study["study"], study["number"]) for study in listed] == [
        (started.pk, "MUSIC crossover", 1)
    ]


def test_a_draft_is_not_listed(draft, readers):
    assert client_of(readers[0]).get("/api/my-studies/").json()["results"] == []


def test_a_user_who_reads_nothing_in_a_study_gets_404(started, make_user):
    answer = client_of(make_user("radiologist")).get(f"/api/my-studies/{started.pk}/")

    assert answer.status_code == 404


def test_a_reader_reads_their_own_readings_in_order_and_nobody_elses(started, readers):
    study = client_of(readers[0]).get(f"/api/my-studies/{started.pk}/").json()

    mine = Reading.objects.filter(version=started, reader=readers[0]).order_by("phase", "position")
    assert [reading["id"] for reading in study["readings"]] == [r.pk for r in mine]


def test_a_readers_progress_and_washout_show_after_phase_1(started, readers):
    last = read_through_phase(readers[0], started, 1, START)

    study = client_of(readers[0]).get(f"/api/my-studies/{started.pk}/").json()

    assert study["progress"] == [
        {"phase": 0, "done": 2, "total": 2},
        {"phase": 1, "done": 4, "total": 4},
        {"phase": 2, "done": 0, "total": 4},
    ]
    until = datetime.datetime.fromisoformat(study["washout_until"])
    assert until == last + datetime.timedelta(days=14)
    assert study["readings"][2]["reading_seconds"] == 180.0  # read_next takes 3 minutes


def test_the_reader_studies_are_read_only(started, readers):
    client = client_of(readers[0])

    assert client.post("/api/my-studies/", {}).status_code == 405
    assert client.delete(f"/api/my-studies/{started.pk}/").status_code == 405
