import datetime

import factory

from reviewer.cases.models import Exam, Patient, Series


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    pseudonym = factory.Sequence(lambda n: f"NR-T{n:07d}")


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam

    patient = factory.SubFactory(PatientFactory)
    order = factory.Sequence(lambda n: n)
    date = factory.LazyAttribute(
        lambda e: datetime.date(2024, 1, 1) + datetime.timedelta(days=90 * e.order)
    )


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    exam = factory.SubFactory(ExamFactory)
    sequence = "FLAIR"
    file = factory.Sequence(lambda n: f"series/00/{n:064d}.nii.gz")
    sha256 = factory.Sequence(lambda n: f"{n:064d}")
    shape = [12, 10, 8]
    spacing = [1.0, 1.0, 1.0]
    affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]


def patient_with_exams(
    exams: int = 3, sequences=("FLAIR", "T1", "T1CE", "T2"), **fields
) -> Patient:
    patient = PatientFactory(**fields)
    for order in range(exams):
        exam = ExamFactory(patient=patient, order=order)
        for sequence in sequences:
            SeriesFactory(exam=exam, sequence=sequence)
    return patient
