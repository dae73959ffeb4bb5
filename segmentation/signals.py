"""What the segmentation app announces once its rows are committed, so that the concerns above it
(alarms, the viewer) act on new segmentations without this app importing them: dependencies run
one way (ARCHITECTURE.md). Receivers are connected in their apps' ``ready()``."""

import django.dispatch

# Every deployed model version has segmented this exam (sent with exam=Exam).
exam_segmented = django.dispatch.Signal()
# An inference job has segmented all its exams (sent with job=InferenceJob, exams=[Exam, ...]).
inference_finished = django.dispatch.Signal()
