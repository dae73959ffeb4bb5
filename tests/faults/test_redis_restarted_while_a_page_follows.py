"""Redis, which carries the pushes to the progress sockets, killed (SIGKILL) and started again
while a browser follows an import: the page's socket reconnects, reads the job's state again, and
the page shows the import succeed without a reload, never "Connection lost"."""

import time

from playwright.sync_api import sync_playwright

from neuroreview.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.faults.conftest import wait_for
from tests.faults.seed import PASSWORD

OUTAGE_S = 1
IMPORT_S = 180


def test_a_page_following_an_import_shows_it_succeed_after_redis_restarts(stack, cohort_zip):
    [job] = stack.seed("queued_imports", uploads=[str(cohort_zip)])
    url = stack.web()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=url)
            page.goto("/login/")
            page.fill("#id_username", "qa_admin")
            page.fill("#id_password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"/imports/{job}/")
            section = page.locator("section[data-job]")
            stack.worker()
            wait_for(
                lambda: "reading" in section.locator("[data-message]").inner_text(),
                timeout_s=60,
                what="the page showing the import's live progress",
            )

            stack.redis.kill()
            time.sleep(OUTAGE_S)
            stack.redis.start()

            wait_for(
                lambda: section.get_attribute("data-state") == "succeeded",
                timeout_s=IMPORT_S,
                what="the page showing the import succeeded",
            )
            assert "Connection lost" not in section.inner_text()
            assert section.locator("[data-result] a").count() == 1  # the imported patient
        finally:
            browser.close()
