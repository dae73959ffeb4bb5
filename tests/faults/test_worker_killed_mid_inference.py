"""A worker killed (SIGKILL) in the middle of an inference job: the broker hands the job to the
next worker, which keeps what was stored and segments the rest, once."""

from reviewer.cases.models import Exam
from segmentation.models import InferenceJob, ModelVersion, Segmentation
from tests.faults.conftest import PRIVATE, finished, live_state, stored_files, wait_for, whole


def test_an_inference_job_whose_worker_is_killed_completes_once_on_the_next_worker(
    stack, cohort, tmp_path
):
    first = stack.worker()
    job_pk = stack.seed("queued_inference", brats=str(cohort), models=str(tmp_path / "models"))
    wait_for(
        lambda: (
            "(2 of 3)" in (message := live_state(InferenceJob, job_pk)["message"])
            and "slice" in message
        ),
        timeout_s=120,
        what="the U-Net predicting on the second exam",
    )

    stack.kill(first)
    before = set(Segmentation.objects.using(PRIVATE).filter(source="model"))
    stack.worker()

    job = finished(InferenceJob, job_pk)
    assert (job.status, job.error) == ("succeeded", "")
    results = Segmentation.objects.using(PRIVATE).filter(source="model")
    assert before and before < set(results), "what was stored before the kill is kept"
    [unet] = ModelVersion.objects.using(PRIVATE)
    exams = Exam.objects.using(PRIVATE).order_by("pk")
    assert list(results.order_by("exam").values_list("exam", "model_version")) == [
        (exam.pk, unet.pk) for exam in exams
    ], "one segmentation per exam and model"
    files = stored_files(stack.media)
    rows = Segmentation.objects.using(PRIVATE).values_list("file", flat=True)
    assert {name for name in files if name.startswith("segmentations/")} == set(rows)
    assert whole(files), "a file does not hold the bytes its name says"
