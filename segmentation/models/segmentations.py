"""Label maps on an exam and their lesions (connected components)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef

from imaging.labels import LABELS, LabelScheme
from reviewer.cases.blinding import exams_without_ai, exams_without_reference
from segmentation.models.choices import TargetChoices

LabelSchemeChoices = models.TextChoices(
    "LabelSchemeChoices", [(s.name, s.value) for s in LabelScheme]
)


class SegmentationQuerySet(models.QuerySet):
    def current(self):
        """Without what a newer composite replaced: a replaced composite, and a model map that is
        a part of replaced composites only (a map that is no part at all stays)."""
        through = Segmentation.parts.through.objects
        part = through.filter(to_segmentation=OuterRef("pk"))
        return self.exclude(source=Segmentation.Source.COMPOSITE, replaced_by__isnull=False).filter(
            ~Exists(part) | Exists(part.filter(from_segmentation__replaced_by__isnull=True))
        )

    def shown_to(self, user):
        """Without what a reader study hides from the user now (reviewer.cases.blinding): the AI
        results (model maps and composites) of an exam they still read unaided, and the
        reference and readers' maps of a patient they still read."""
        return self.exclude(
            source__in=Segmentation.AI_SOURCES, exam__in=exams_without_ai(user)
        ).exclude(source__in=Segmentation.HUMAN_SOURCES, exam__in=exams_without_reference(user))


class Segmentation(models.Model):
    """A label map on an exam's grid, with its source: a model version, a reader or a reference.
    A family's composite on an exam may be replaced by a newer one composed of other parts (the
    exam segmented again by newly live versions, EASE R-A9.5): the replaced one stays, with
    its grades and verdicts, as the history of what readers saw."""

    class Source(models.TextChoices):
        MODEL = "model", "Model version"
        COMPOSITE = "composite", "Composed from a model family's target maps"
        READER = "reader", "Reader"
        REFERENCE = "reference", "Reference"

    # what a model made, as opposed to what a reader drew or a reference holds
    AI_SOURCES = (Source.MODEL, Source.COMPOSITE)
    HUMAN_SOURCES = (Source.READER, Source.REFERENCE)

    class Family(models.TextChoices):
        NODE = "node", "Neural ODE"
        UNET = "unet", "U-Net"

    exam = models.ForeignKey("cases.Exam", on_delete=models.PROTECT, related_name="segmentations")
    source = models.CharField(max_length=16, choices=Source.choices)
    model_version = models.ForeignKey(
        "segmentation.ModelVersion", null=True, blank=True, on_delete=models.PROTECT
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    label_scheme = models.CharField(max_length=16, choices=LabelSchemeChoices.choices)
    # ET, TC or WT for a single-target binary map (one model per target); blank for a full map
    target = models.CharField(max_length=8, blank=True, choices=TargetChoices.choices)
    # a composite: the family and the single-target model segmentations it was composed from
    family = models.CharField(max_length=8, blank=True, choices=Family.choices)
    parts = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="composites")
    # a composite: the family's composite of the exam it replaces (each is replaced at most once)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # components below this volume are counted, not listed, as lesions (null: all are listed)
    minimum_lesion_ml = models.FloatField(null=True, blank=True)
    file = models.FileField(max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SegmentationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="model", model_version__isnull=False, reader__isnull=True)
                    | models.Q(
                        source="composite",
                        model_version__isnull=True,
                        reader__isnull=True,
                        family__in=["node", "unet"],
                    )
                    | models.Q(source="reader", reader__isnull=False, model_version__isnull=True)
                    | models.Q(source="reference", reader__isnull=True, model_version__isnull=True)
                )
                & (models.Q(source="composite") | models.Q(replaces__isnull=True)),
                name="segmentation_segmentation_source_matches_origin",
            ),
            models.UniqueConstraint(
                fields=["exam"],
                condition=models.Q(source="reference"),
                name="segmentation_segmentation_one_reference_per_exam",
            ),
            models.UniqueConstraint(
                fields=["exam", "model_version"],
                condition=models.Q(source="model"),
                name="segmentation_segmentation_one_per_model_version",
            ),
            models.UniqueConstraint(
                fields=["exam", "family"],
                condition=models.Q(source="composite", replaces__isnull=True),
                name="segmentation_segmentation_one_first_composite_per_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} segmentation of {self.exam}"


class Lesion(models.Model):
    """One 26-connected component of a segmentation's foreground. `label` is the label that
    covers most of it; `label_voxels` gives the whole composition (e.g. necrosis inside oedema)."""

    segmentation = models.ForeignKey(Segmentation, on_delete=models.CASCADE, related_name="lesions")
    index = models.PositiveIntegerField()  # 1 = largest
    label = models.PositiveSmallIntegerField()
    label_voxels = models.JSONField()
    voxel_count = models.PositiveIntegerField()
    volume_ml = models.FloatField()
    centroid_mm = models.JSONField()  # [x, y, z] in RAS scanner coordinates
    bbox = models.JSONField()  # [[i0, j0, k0], [i1, j1, k1]] voxel indices, inclusive
    # smaller than the segmentation's minimum_lesion_ml: counted and listed on request only
    below_minimum = models.BooleanField(default=False)

    class Meta:
        ordering = ["segmentation", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["segmentation", "index"], name="segmentation_lesion_unique_index"
            ),
        ]
        indexes = [
            models.Index(
                fields=["segmentation", "below_minimum", "index"],
                name="segmentation_lesion_listed",
            )
        ]

    def __str__(self) -> str:
        return f"lesion {self.index} of {self.segmentation}"

    @property
    def label_name(self) -> str:
        """The region the main label stands for in the segmentation's scheme (e.g. oedema)."""
        return LABELS[LabelScheme(self.segmentation.label_scheme)].get(self.label, str(self.label))
