"""What the segmentation app announces once its rows are committed, so that the concerns above it
(alarms, the viewer) act on new segmentations without this app importing them: dependencies run
one way (ARCHITECTURE.md). Receivers are connected in their apps' ``ready()``."""

import django.dispatch

# New segmentations of this exam are stored: a family of models has segmented it, or the
# new-lesion detection has (sent with exam=Exam, once per pass; receivers are idempotent).
exam_segmented = django.dispatch.Signal()
# An inference job has segmented all its exams (sent with job=InferenceJob, exams=[Exam, ...]).
inference_finished = django.dispatch.Signal()
