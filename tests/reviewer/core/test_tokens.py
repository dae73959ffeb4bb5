"""API tokens expire NEUROREVIEW_TOKEN_LIFETIME after issue and die when their user logs out."""

import datetime

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def reader(make_user):
    return make_user("radiologist", username="reader")


def issue(client) -> str:
    response = client.post("/api/auth/token/", {"username": "reader", "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def patients(client, key):
    return client.get("/api/patients/", HTTP_AUTHORIZATION=f"Token {key}")


def age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(
        created=Token.objects.get(key=key).created - datetime.timedelta(hours=hours)
    )


def test_a_token_within_its_lifetime_is_accepted(client, reader):
    key = issue(client)
    age(key, 11.9)

    assert patients(client, key).status_code == 200


def test_an_expired_token_is_refused_and_deleted(client, reader):
    key = issue(client)
    age(key, 12.1)

    response = patients(client, key)

    assert response.status_code == 403  # DRF's answer when session authentication comes first
    assert "expired" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()


def test_asking_again_after_expiry_gives_a_new_token(client, reader):
    old = issue(client)
    age(old, 13)

    new = issue(client)

    assert new != old and patients(client, new).status_code == 200


def test_logging_out_revokes_the_users_token(client, reader):
    key = issue(client)
    client.post("/login/", {"username": "reader", "password": PASSWORD})

    client.post("/logout/")

    assert patients(client, key).status_code == 403
    assert not Token.objects.filter(user=reader).exists()


def test_a_stale_token_in_the_header_does_not_refuse_a_sign_in(client, reader):
    response = client.post(
        "/api/auth/token/",
        {"username": "reader", "password": PASSWORD},
        HTTP_AUTHORIZATION="Token expired-or-unknown",
    )

    assert response.status_code == 200


def test_a_body_that_is_not_an_object_is_refused(client, reader):
    response = client.post("/api/auth/token/", [None, None], content_type="application/json")

    assert response.status_code == 400


def test_a_nul_character_in_the_username_is_refused(client, reader):
    response = client.post("/api/auth/token/", {"username": "read\x00er", "password": PASSWORD})

    assert response.status_code == 400
    assert "username" in response.json()
