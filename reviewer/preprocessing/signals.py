"""What preprocessing tells the concerns above it (ARCHITECTURE.md: a lower concern announces,
never imports). Receivers are connected in their apps' ``ready()``."""

import django.dispatch

# An exam's series were made anew by a preprocessing run, which has committed: exam=Exam
exam_preprocessed = django.dispatch.Signal()
