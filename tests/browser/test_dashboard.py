"""The QA dashboard in real Chromium: plotly draws its charts under the Content-Security-Policy
(the page fails on any console error, a refused evaluation included)."""

from reviewer.core.models import User
from reviewer.grading.services import record_assessment
from segmentation.models import Segmentation
from tests.browser.conftest import log_in

PASSWORD = "pw-for-browser-tests"


def test_the_quality_dashboard_draws_its_grading_chart(new_page, viewer_case):
    record_assessment(
        user=User.objects.get(username=viewer_case.reader),
        segmentation=Segmentation.objects.get(pk=viewer_case.node_segmentation),
        acceptable=True,
        grade=4,
    )
    User.objects.create_user(username="browser-qa", password=PASSWORD, role="qa_admin")
    page = new_page()
    log_in(page, "browser-qa", PASSWORD)

    page.goto("/quality/")

    chart = page.locator('[data-chart="grades"] svg.main-svg').first
    chart.wait_for(timeout=20_000)
    assert chart.is_visible()
