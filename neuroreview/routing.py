"""WebSocket routes of all apps."""

from django.urls import path

from reviewer.alarms.consumers import CaseAlarmsConsumer
from reviewer.imports.consumers import ImportJobConsumer
from segmentation.consumers import FlowConsumer, InferenceJobConsumer

websocket_urlpatterns = [
    path("ws/imports/<int:pk>/", ImportJobConsumer.as_asgi()),
    path("ws/cases/<str:pseudonym>/alarms/", CaseAlarmsConsumer.as_asgi()),
    path("ws/inference/<int:pk>/", InferenceJobConsumer.as_asgi()),
    path("ws/flows/", FlowConsumer.as_asgi()),
]
