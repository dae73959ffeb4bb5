"""The EASE per-patient survey, built in: published as version 1 when the database is made, so
every install (the demo's SQLite, production's PostgreSQL, the tests') has it without a step to
forget, and its definition, like any published one, never changes: a change is a new migration
adding version 2.

The flowchart (EASE Fig. 5) is an image the text lacks; its prose is in
shared/spec/ease-and-evaluation.md §A10 (spec lines 227–242, R-A10.1):
- "whether EASE had led to a successful diagnosis" (paper l.1982–1983);
- if not, "the reason for failure" (l.1987–1988): the reasons seen in the results
  (l.2165–2171), plus "other" with free text (R-A10.1);
- if so, the visual (2D) and the volume-based diagnosis, each PD, SD or treatment response
  (l.1990–1995). The values are those of reviewer.grading's Diagnosis, so that the survey's
  answers and the three-exam volume diagnosis compare."""

from django.db import migrations
from django.utils import timezone

NAME = "EASE clinical evaluation"
DIAGNOSES = [
    {"value": "progression", "label": "Progression (PD)"},
    {"value": "stable", "label": "Stable disease (SD)"},
    {"value": "response", "label": "Treatment response"},
]
SUCCESSFUL = {"question": "successful", "equals": "yes"}
FAILED = {"question": "successful", "equals": "no"}
DEFINITION = {
    "questions": [
        {
            "id": "successful",
            "type": "single_choice",
            "text": "Did EASE lead to a successful diagnosis for this patient?",
            "choices": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
        },
        {
            "id": "failure_reason",
            "type": "single_choice",
            "text": "Why not?",
            "choices": [
                {"value": "segmentation_unacceptable", "label": "Segmentation unacceptable"},
                {"value": "inconsistent_segmentations", "label": "Inconsistent segmentations"},
                {"value": "software_error", "label": "Software error"},
                {"value": "other", "label": "Other"},
            ],
            "show_when": FAILED,
        },
        {
            "id": "failure_other",
            "type": "text",
            "text": "Describe the reason",
            "show_when": {"all": [FAILED, {"question": "failure_reason", "equals": "other"}]},
        },
        {
            "id": "diagnosis_2d",
            "type": "single_choice",
            "text": "Visual (2D) diagnosis",
            "choices": DIAGNOSES,
            "show_when": SUCCESSFUL,
        },
        {
            "id": "diagnosis_volume",
            "type": "single_choice",
            "text": "Volume-based diagnosis",
            "choices": DIAGNOSES,
            "show_when": SUCCESSFUL,
        },
    ]
}


def forward(apps, schema_editor):
    survey, made = apps.get_model("studies", "Survey").objects.get_or_create(
        name=NAME,
        defaults={
            "description": "Filled in after each patient in whom EASE was applied "
            "(EASE clinical evaluation, Fig. 5)."
        },
    )
    if made:
        apps.get_model("studies", "SurveyVersion").objects.create(
            survey=survey,
            number=1,
            definition=DEFINITION,
            note="The EASE paper's flowchart, from its prose (l.1982–1995, l.2165–2171).",
            published_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("studies", "0002_sealed_versions_and_append_only_responses")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
