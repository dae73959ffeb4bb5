"""What every page tells the browser: a Content-Security-Policy that keeps scripts, workers and
sockets to this site (the browser tests run the viewer and the flow player under it, failing on
any console error, a refused script included), and no framing."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_pages_carry_a_policy_of_this_site_only(client):
    policy = directives(client.get("/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_the_api_carries_it_too(client, make_user, client_for):
    response = client_for(make_user("radiologist")).get("/api/patients/")

    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
