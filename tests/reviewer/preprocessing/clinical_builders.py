"""Clinical exams for the preprocessing tests, built through the services the DICOM importer
uses: the cohort's 2 mm exam (skull-stripped, so that no network runs) as acquired series,
with a preprocessing run queued as an import queues it."""

from imaging.nifti_io import volume_from_array
from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from reviewer.cases import services as cases
from reviewer.core.storage import atomic_import
from reviewer.preprocessing import services
from tests.imaging.synthetic_heads import healthy_exam

RESOLUTION = 2


def acquired_exam(*, sequences=tuple(Sequence), thick=(), disease="glioma", patient="CLIN-1"):
    """An exam of a new (or the same) patient whose ``sequences`` are acquired series; those
    in ``thick`` have every third slice only (6 mm). Returns the exam and its queued run."""
    anatomy = load_anatomy(RESOLUTION)
    images = healthy_exam(RESOLUTION)
    with atomic_import() as files:
        link = cases.patient_for_source(source="dicom", source_patient_id=patient)
        cases.record_disease(link.patient, disease, source="test", given=True)
        number = link.patient.exams.count()
        exam = cases.add_exam(link.patient, date=None, source_name=f"{patient} exam {number}")
        for sequence in sequences:
            array, affine = images[sequence], anatomy.affine.copy()
            if sequence in thick:
                array, affine[:3, 2] = array[:, :, ::3], affine[:3, 2] * 3
            cases.add_acquired_series(
                exam, sequence, volume_from_array(array, affine), files, description=sequence.value
            )
        cases.renumber_exams(link.patient)
        run = services.queue(exam)
    exam.refresh_from_db()
    return exam, run
