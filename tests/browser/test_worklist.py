"""The worklist in real Chromium: logging in through the form, the risk-score column."""

import re

from tests.browser.conftest import log_in


def test_logging_in_through_the_form_shows_the_granted_patients(new_page, viewer_case):
    page = new_page()
    log_in(page, viewer_case.reader, viewer_case.password)
    rows = page.locator("table[data-worklist] tbody tr")
    shown = sorted(rows.locator("td:first-child").all_inner_texts())
    assert shown == sorted([viewer_case.pseudonym, *viewer_case.risk_patients])


def test_a_wrong_password_is_refused(new_page, viewer_case):
    page = new_page()
    page.goto("/login/")
    page.fill("#id_username", viewer_case.reader)
    page.fill("#id_password", "not-the-password")
    page.click("form button[type=submit]")
    assert page.locator(".error-list").is_visible()
    assert re.search(r"/login/", page.url)
