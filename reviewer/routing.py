from django.urls import path

from reviewer.consumers import ImportJobConsumer

websocket_urlpatterns = [path("ws/imports/<int:pk>/", ImportJobConsumer.as_asgi())]
