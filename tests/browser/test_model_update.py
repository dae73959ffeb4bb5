"""The model update protocol of EASE, run from the UI by a QA admin on the synthetic cohort:
seal a reference dataset version, validate a new version of the live whole-tumour U-Net on it,
re-grade the changed cases in the viewer, deploy, roll back. The test plays the GPU worker: it
runs the validation job on a thread of its own when the page has asked for it (the server and
the test share the database, Redis, through which the progress goes, and the media files)."""

import io
import json
import re
import shutil
import threading

import torch

from reviewer.core.models import User
from reviewer.validation import runs
from reviewer.validation.models import Deployment, ValidationRun
from segmentation.engine import artifacts
from segmentation.models import ModelVersion
from segmentation.services import register_model_version
from tests.browser.case_builder import PASSWORD
from tests.browser.conftest import artifacts_dir, log_in
from tests.browser.test_review import open_viewer_at
from tests.segmentation.model_builders import go_live

UNET_WT = artifacts.BUNDLED / "unet-wt-small"
VIEWPORT = {"width": 1366, "height": 768}


def candidate_version(folder) -> ModelVersion:
    """The live U-Net's network with its output bias raised: slightly larger maps."""
    shutil.copytree(UNET_WT, folder)
    weights = torch.load(folder / "weights.pt", map_location="cpu")
    weights["out.bias"] = weights["out.bias"] + 1.0
    buffer = io.BytesIO()
    torch.save(weights, buffer)
    (folder / "weights.pt").write_bytes(buffer.getvalue())
    card = json.loads((folder / artifacts.CARD).read_text())
    card["version"] = "2.0"
    artifacts.write_card(folder, card)
    return register_model_version(folder)


def qa_admin() -> User:
    user = User(username="browser-qa", role="qa_admin")
    user.set_password(PASSWORD)
    user.save()
    return user


def shoot(page, name: str) -> None:
    """The page at 1366×768 and at 1920×1080, as a QA admin sees it."""
    artifacts_dir().mkdir(parents=True, exist_ok=True)
    for size in (VIEWPORT, {"width": 1920, "height": 1080}):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts_dir() / f"model-update-{name}-{size['width']}.png")
    page.set_viewport_size(VIEWPORT)


def grade_in_viewer(page, link, shot: str = "") -> None:
    """Follow a run page's grading link and grade the map acceptable, 4 Good."""
    open_viewer_at(page, link.get_attribute("href").replace("&amp;", "&"))
    page.locator(".viewer-grading-form").wait_for()
    if shot:
        shoot(page, shot)
    page.click(".viewer-choice[data-choice=acceptable] label:has(input[value=true])")
    page.click(".viewer-choice[data-choice=level] label:has(input[value='4'])")
    page.click(".viewer-grading-form button[type=submit]")
    page.locator(".viewer-history li", has_text="(standing)").wait_for(state="attached")


def test_a_qa_admin_validates_regrades_deploys_and_rolls_back_a_model_version(
    new_page, viewer_case, tmp_path
):
    baseline = go_live(register_model_version(UNET_WT))
    candidate = candidate_version(tmp_path / "candidate")
    admin = qa_admin()
    page = new_page(VIEWPORT)
    log_in(page, admin.username, PASSWORD)

    # a reference dataset version of the patient's first two exams
    page.goto("/datasets/")
    page.fill("input[name=name]", "LGG reference")
    page.click("button:has-text('Create dataset')")
    section = page.locator("section[data-dataset='LGG reference']")
    for order in (0, 1):
        section.locator("label.checkbox", has_text=f"{viewer_case.pseudonym}/{order}").click()
    section.locator("input[name=note]").fill("two surveillance exams")
    section.locator("button:has-text('Seal new version')").click()
    page.locator(".messages", has_text="sealed: 2 cases").wait_for()
    shoot(page, "1-dataset")

    # the candidate validated against the live version
    page.goto("/models/")
    page.select_option("select[name=model_version]", str(candidate.pk))
    page.click("button:has-text('Run validation')")
    page.wait_for_url(re.compile(r"/validation/\d+/$"))
    run = ValidationRun.objects.get(model_version=candidate)
    assert run.baseline == baseline
    # the worker's part, on a thread of its own as on a worker (Playwright's event loop holds
    # this one, and the progress pushes need one without); the page reloads when it hears the
    # run has ended
    worker = threading.Thread(target=runs.run, args=(run,))
    worker.start()
    worker.join()
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    page.locator("[data-decision]", has_text="Changed cases await grades").wait_for()
    shoot(page, "2-awaiting-grades")

    # every changed case re-graded in the viewer: the new map and the live one
    for row in range(2):
        for label in ("Grade new map", "Grade live map"):
            page.goto(f"/validation/{run.pk}/")
            link = page.locator("[data-cases] tbody tr").nth(row).locator("a", has_text=label)
            grade_in_viewer(page, link, shot="" if row or label != "Grade new map" else "viewer")
    page.goto(f"/validation/{run.pk}/")
    page.locator("[data-decision]", has_text="Deployable").wait_for()
    shoot(page, "3-deployable")

    page.fill("input[name=reason]", "retrained with more LGG")
    page.click("button:has-text('Deploy')")
    page.locator(".messages", has_text="is live, in compatibility group 1").wait_for()
    assert ModelVersion.objects.deployed().get() == candidate

    page.goto("/models/")
    page.fill("input[name=reason]", "over-segments oedema at 3 T")
    page.click("button:has-text('Roll back to')")
    page.locator(".messages", has_text=f"{baseline} is live again").wait_for()
    shoot(page, "4-rolled-back")

    assert ModelVersion.objects.deployed().get() == baseline
    record = Deployment.objects.order_by("created_at")
    assert [(d.action, d.model_version, d.user) for d in record] == [
        ("install", baseline, User.objects.get(username="installer")),
        ("deploy", candidate, admin),
        ("rollback", baseline, admin),
    ]
    assert record.get(action="rollback").reason == "over-segments oedema at 3 T"
