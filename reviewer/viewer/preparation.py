"""Preparing cases for the viewer ahead of the first look: every volume's voxel file and window
(reviewer.viewer.voxel_cache), the lesion matches between exams and the registration of priors
(the manifest of the latest exam, built once). Imports call it once they have committed; what
is cached already is skipped, and a prior that needs registering is queued."""

from reviewer.cases.models import Series
from reviewer.viewer.manifest import viewer_manifest
from reviewer.viewer.voxel_cache import volume_summary, voxel_file
from segmentation.models import Segmentation


def prepare_patients(patients, progress=lambda done, total, message: None) -> int:
    """Prepare these patients' cases; returns how many volumes were looked at."""
    patients = list(patients)
    pks = [p.pk for p in patients]
    volumes = [
        *Series.objects.filter(exam__patient__in=pks).order_by("pk"),
        *Segmentation.objects.filter(exam__patient__in=pks).order_by("pk"),
    ]
    steps = len(volumes) + len(patients)
    for done, volume in enumerate(volumes):
        progress(done, steps, f"preparing the viewer: {volume}")
        voxel_file(volume)
        volume_summary(volume)
    for done, patient in enumerate(patients, start=len(volumes)):
        progress(done, steps, f"preparing the viewer: lesions and priors of {patient}")
        if patient.exams.exists():
            viewer_manifest(patient)
    progress(steps, steps, f"prepared {len(volumes)} volumes for the viewer")
    return len(volumes)
