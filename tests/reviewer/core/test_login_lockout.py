"""Password guessing: after five failures for one username, or from one address, the login page
and the token endpoint refuse even the right password, until a data steward lifts the lockout."""

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def reader(make_user):
    return make_user("radiologist", username="reader")


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def ask_token(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_right_password_signs_in_after_a_few_failures(client, reader):
    for _ in range(4):
        sign_in(client, "reader", "wrong")

    response = sign_in(client, "reader", PASSWORD)

    assert response.status_code == 302 and response.url == "/"


def test_five_failures_lock_the_username_even_against_the_right_password(client, reader):
    for _ in range(4):
        assert sign_in(client, "reader", "wrong").status_code == 200  # the form, with its error
    assert sign_in(client, "reader", "wrong").status_code == 429  # the fifth locks

    response = sign_in(client, "reader", PASSWORD, address="10.0.0.2")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address_for_every_username(
    client, reader, make_user
):
    make_user("radiologist", username="other")
    for number in range(5):
        sign_in(client, f"guess-{number}", "wrong", address="10.0.0.9")

    assert sign_in(client, "other", PASSWORD, address="10.0.0.9").status_code == 429
    assert sign_in(client, "other", PASSWORD, address="10.0.0.10").status_code == 302


def test_the_token_endpoint_counts_failures_and_refuses_when_locked(client, reader):
    for _ in range(4):
        assert ask_token(client, "reader", "wrong").status_code == 400

    fifth = ask_token(client, "reader", "wrong")
    right = ask_token(client, "reader", PASSWORD, address="10.0.0.2")

    assert fifth.status_code == right.status_code == 429
    assert "until a data steward lifts the lockout" in right.json()["detail"]


def test_a_failed_sign_in_on_the_login_page_locks_the_token_endpoint_too(client, reader):
    for _ in range(5):
        sign_in(client, "reader", "wrong")

    assert ask_token(client, "reader", PASSWORD, address="10.0.0.3").status_code == 429


def test_a_data_steward_lifts_a_lockout_in_the_admin(client, reader, make_user, client_for):
    for _ in range(5):
        sign_in(client, "reader", "wrong")
    attempt = AccessAttempt.objects.get(username="reader")
    steward = client_for(make_user("admin", username="steward"))

    response = steward.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    steward.logout()
    assert sign_in(client, "reader", PASSWORD, address="10.0.0.4").status_code == 302


def test_a_radiologist_cannot_lift_a_lockout(client, reader, make_user, client_for):
    for _ in range(5):
        sign_in(client, "reader", "wrong")
    attempt = AccessAttempt.objects.get(username="reader")

    response = client_for(make_user("radiologist")).post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302 and "/admin/login/" in response.url
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
