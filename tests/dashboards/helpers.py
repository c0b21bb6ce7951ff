from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application


def ws_headers(user=None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def class_socket(classroom_id: int, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/classes/{classroom_id}/", headers=headers)
