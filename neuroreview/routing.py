"""WebSocket routes of all apps."""

from django.urls import path, re_path

from neuroreview.socket_origin import NoSuchSocket
from reviewer.alarms.consumers import CaseAlarmsConsumer
from reviewer.exports.consumers import ExportJobConsumer
from reviewer.imports.consumers import ImportJobConsumer
from reviewer.validation.consumers import RobustnessSweepConsumer, ValidationRunConsumer
from segmentation.consumers import FlowConsumer, InferenceJobConsumer

websocket_urlpatterns = [
    path("ws/imports/<int:pk>/", ImportJobConsumer.as_asgi()),
    path("ws/exports/<int:pk>/", ExportJobConsumer.as_asgi()),
    path("ws/cases/<str:pseudonym>/alarms/", CaseAlarmsConsumer.as_asgi()),
    path("ws/inference/<int:pk>/", InferenceJobConsumer.as_asgi()),
    path("ws/validation/<int:pk>/", ValidationRunConsumer.as_asgi()),
    path("ws/robustness/<int:pk>/", RobustnessSweepConsumer.as_asgi()),
    path("ws/flows/", FlowConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),  # last: any other path is closed with 4404
]
