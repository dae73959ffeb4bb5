"""Patients, their exams and the series of each exam, plus the steward-only identity map."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from imaging.sequences import Sequence
from reviewer.cases.querysets import PatientQuerySet

SequenceChoices = models.TextChoices("SequenceChoices", [(s.value, s.value) for s in Sequence])


class Disease(models.TextChoices):
    """What a patient is followed for: it decides which models run on their exams (glioma
    segmentation models only on glioma, the new-lesion detection on MS)."""

    GLIOMA = "glioma", "Glioma"
    MS = "ms", "Multiple sclerosis"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not recorded"


class Patient(models.Model):
    """A pseudonymous person: no identifying data is ever stored here (see IdentityLink)."""

    pseudonym = models.CharField(max_length=32, unique=True)
    disease = models.CharField(max_length=16, choices=Disease.choices, default=Disease.UNKNOWN)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["pseudonym"]

    def __str__(self) -> str:
        return self.pseudonym


class PatientUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Patient, on_delete=models.CASCADE)


class PatientGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Patient, on_delete=models.CASCADE)


class IdentityLink(models.Model):
    """The map from a pseudonym back to the source's identifiers. Only the data steward (admin
    role) may read it; nothing else in the application joins to it."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="identity")
    source = models.CharField(max_length=16)  # "dicom" or "brats"
    source_patient_id = models.CharField(max_length=256)
    source_patient_name = models.CharField(max_length=256, blank=True)
    source_birth_date = models.CharField(max_length=16, blank=True)
    date_shift_days = models.IntegerField(default=0)
    uid_secret = models.CharField(max_length=64, blank=True)  # keys this patient's UID replacement
    # replacement UID -> original UID, for sending results back to the source PACS
    uid_map = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_patient_id"], name="cases_identitylink_unique_source"
            )
        ]

    def __str__(self) -> str:
        return f"identity of {self.patient}"


class Exam(models.Model):
    """One MRI session of a patient: a timepoint. `order` is its rank among the patient's exams
    by date (0 = baseline)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="exams")
    date = models.DateField(null=True, blank=True)  # BraTS folders carry no dates
    order = models.PositiveIntegerField()
    source_name = models.CharField(max_length=256, blank=True)
    dicom_study_uid = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "order"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "order"], name="cases_exam_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} exam {self.order} ({self.date})"


class StoredVolume(models.Model):
    """A NIfTI volume in RAS orientation stored under its content hash. Geometry is kept beside
    the file so that lists never open it."""

    file = models.FileField(max_length=255)
    sha256 = models.CharField(max_length=64)
    shape = models.JSONField()
    spacing = models.JSONField()
    affine = models.JSONField()

    class Meta:
        abstract = True


class SeriesVolume(StoredVolume):
    """What a series and an acquired series share: their sequence and DICOM provenance."""

    sequence = models.CharField(max_length=8, choices=SequenceChoices.choices)
    dicom_study_uid = models.CharField(max_length=64, blank=True)
    dicom_series_uid = models.CharField(max_length=64, blank=True)
    dicom_header = models.JSONField(default=dict, blank=True)  # de-identified, for provenance
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Series(SeriesVolume):
    """One sequence of an exam as the models see it: the four of an exam share one grid, and
    the brain is stripped (as BraTS prepares its data). A BraTS folder's are stored as they
    come; a clinical exam's are made from its acquired series (reviewer.preprocessing)."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="series")

    class Meta:
        verbose_name_plural = "series"
        ordering = ["exam", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "sequence"], name="cases_series_unique_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} {self.sequence}"


class AcquiredSeries(SeriesVolume):
    """One sequence of a clinical exam as the scanner recorded it, on its own grid, head and
    all: the original, kept beside the series made from it."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="acquired_series")
    # Series number, 2D/3D and plane; not the SeriesDescription, which de-identification removes
    description = models.CharField(max_length=128, blank=True)
    slice_thickness_mm = models.FloatField(null=True, blank=True)
    # Per slice in the order the scanner's positions give, [SOPInstanceUID, frame] with the UID
    # replaced (the steward's map holds the original): what results sent back must reference
    dicom_instances = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "acquired series"
        ordering = ["exam", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "sequence"], name="cases_acquiredseries_unique_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} {self.sequence} as acquired"
