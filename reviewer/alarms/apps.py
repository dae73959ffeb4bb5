from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "reviewer.alarms"
    label = "alarms"
    verbose_name = "Alarms"

    def ready(self):
        from reviewer.alarms import receivers
        from segmentation import signals

        signals.exam_segmented.connect(receivers.measure_exam, dispatch_uid="alarms.measure_exam")
        signals.inference_finished.connect(
            receivers.refresh_alarms, dispatch_uid="alarms.refresh_alarms"
        )
