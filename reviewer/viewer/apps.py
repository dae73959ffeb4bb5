from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "reviewer.viewer"
    label = "viewer"
    verbose_name = "Viewer"

    def ready(self):
        from reviewer.preprocessing.signals import exam_preprocessed
        from reviewer.viewer import receivers
        from segmentation import signals

        signals.exam_segmented.connect(
            receivers.prepare_segmented_exam, dispatch_uid="viewer.prepare_segmented_exam"
        )
        exam_preprocessed.connect(
            receivers.prepare_preprocessed_exam, dispatch_uid="viewer.prepare_preprocessed_exam"
        )
