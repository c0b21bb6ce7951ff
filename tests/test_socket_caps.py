"""Per-user websocket caps across consumers, through the real ASGI app and real Redis."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tutor.consumers import CAP_CLOSE_CODE
from tutor.models import Classroom

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://localhost")]


async def _open(url: str, headers) -> tuple[WebsocketCommunicator, dict | None]:
    """Connect; returns the communicator and the close message if closed at once."""
    comm = WebsocketCommunicator(application, url, headers=headers)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    closed = None
    if not await comm.receive_nothing(timeout=0.3):
        closed = await comm.receive_output(timeout=1)
    return comm, closed


async def test_sockets_over_the_cap_are_closed_with_a_reason(settings, teacher, student):
    settings.TUTOR_MAX_SOCKETS_PER_USER = 3
    headers = await sync_to_async(_headers)(teacher)
    classroom = await sync_to_async(Classroom.objects.get)(join_code="TRYMATH7")
    urls = ["/ws/ping/", f"/ws/classes/{classroom.pk}/", "/ws/ping/"]
    open_ = []
    for url in urls:  # counted together, whatever the route
        comm, closed = await _open(url, headers)
        assert closed is None, closed
        open_.append(comm)
    comm, closed = await _open("/ws/ping/", headers)
    assert closed["type"] == "websocket.close" and closed["code"] == CAP_CLOSE_CODE
    assert "Too many open connections" in closed["reason"]
    # Another user is not affected by this one's sockets.
    other, closed = await _open("/ws/ping/", await sync_to_async(_headers)(student))
    assert closed is None
    await other.disconnect()
    # Closing one frees a place.
    await open_.pop().disconnect()
    comm, closed = await _open("/ws/ping/", headers)
    assert closed is None
    open_.append(comm)
    for comm in open_:
        await comm.disconnect()
