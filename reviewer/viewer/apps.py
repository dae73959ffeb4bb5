from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "reviewer.viewer"
    label = "viewer"
    verbose_name = "Viewer"

    def ready(self):
        from reviewer.viewer import receivers
        from segmentation import signals

        signals.exam_segmented.connect(
            receivers.prepare_segmented_exam, dispatch_uid="viewer.prepare_segmented_exam"
        )
