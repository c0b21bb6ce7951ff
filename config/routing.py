"""Websocket routes."""

from django.urls import path

from inference.consumers import GenerationConsumer
from tutor import consumers
from tutor.dashboards.consumers import ClassDashboardConsumer

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/generations/<int:generation_id>/", GenerationConsumer.as_asgi()),
    path("ws/classes/<int:classroom_id>/", ClassDashboardConsumer.as_asgi()),
]
