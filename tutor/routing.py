"""Websocket routes (explanations and live dashboards plug in here)."""

from django.urls import path

from tutor import consumers

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
]
