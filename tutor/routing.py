"""Websocket routes."""

from django.urls import path

from inference.consumers import GenerationConsumer
from tutor import consumers

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/generations/<int:generation_id>/", GenerationConsumer.as_asgi()),
]
