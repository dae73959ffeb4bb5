"""What a fault case needs, made by the application's own services in a process that runs on the
test's private services (Stack.seed):

    python -m tests.faults.seed FUNCTION '{"keyword": "value"}'

prints the function's result as JSON on its last line."""

import json
import os
import sys
from pathlib import Path

PASSWORD = "pw-for-fault-tests-only"


def queued_imports(*, uploads: list[str]) -> list[int]:
    """A QA admin's import jobs, one per BraTS zip, queued as the API queues them."""
    from django.core.files import File

    from reviewer.imports.jobs import create_import_job

    user = _user("qa_admin")
    jobs = []
    for upload in map(Path, uploads):
        with upload.open("rb") as handle:
            file = File(handle, name=upload.name)
            jobs.append(create_import_job(user=user, kind="brats", upload=file, options={}).pk)
    return jobs


def queued_inference(*, brats: str, models: str) -> int:
    """The patient of a BraTS folder (glioma), a deployed U-Net (the smallest model) and a QA
    admin's inference job on the patient, queued as the API queues it."""
    from reviewer.imports.services import import_brats
    from segmentation.inference_jobs import create_inference_job
    from tests.segmentation.model_builders import unet_version

    [patient] = import_brats(Path(brats))
    unet_version(Path(models))
    job, _ = create_inference_job(user=_user("qa_admin"), patient=patient)
    return job.pk


def grader(*, brats: str) -> dict:
    """A QA admin (a clinical role, who sees every patient) and the reference segmentations of
    the patient of a BraTS folder, to grade."""
    from reviewer.imports.services import import_brats
    from segmentation.models import Segmentation

    [patient] = import_brats(Path(brats))
    user = _user("qa_admin")
    segmentations = Segmentation.objects.filter(exam__patient=patient).order_by("pk")
    return {
        "username": user.username,
        "password": PASSWORD,
        "segmentations": list(segmentations.values_list("pk", flat=True)),
    }


def _user(role: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=role, password=PASSWORD, role=role)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neuroreview.settings")
    import django

    django.setup()
    function, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(globals()[function](**arguments)))
