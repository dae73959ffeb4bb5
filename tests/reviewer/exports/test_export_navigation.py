"""The exports page (/exports/, in the top bar for the export roles) leads to the research
export for every export role, and to the releases for the data steward alone."""

import pytest

PAGE = "/exports/"
RESEARCH = 'href="/exports/research/"'
RELEASES = 'href="/exports/releases/"'


@pytest.mark.parametrize("role", ["researcher", "qa_admin", "admin"])
def test_the_exports_page_links_the_research_export(client_for, make_user, role):
    page = client_for(make_user(role)).get(PAGE)
    assert page.status_code == 200
    assert RESEARCH in page.content.decode()


def test_the_exports_page_links_the_releases_for_the_data_steward(client_for, make_user):
    assert RELEASES in client_for(make_user("admin")).get(PAGE).content.decode()


@pytest.mark.parametrize("role", ["researcher", "qa_admin"])
def test_the_exports_page_links_no_releases_for_other_roles(client_for, make_user, role):
    assert RELEASES not in client_for(make_user(role)).get(PAGE).content.decode()


def test_a_radiologist_has_no_exports_page(client_for, make_user):
    assert client_for(make_user("radiologist")).get(PAGE).status_code == 403
