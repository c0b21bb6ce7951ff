"""The serving spine over real connections: database, Redis, Celery worker, channel layer."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from config import heartbeat
from tutor.tasks import clear_expired_sessions


def test_settings_come_from_the_environment():
    # DEBUG is off unless asked for; Redis settings all point at one URL.
    assert settings.DEBUG is False
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["address"] == settings.REDIS_URL
    assert host["socket_timeout"] is None  # redis-py 8 would drop idle websockets otherwise


def test_healthz_reports_database_and_redis(client, redis_client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_worker_heartbeat_and_task_round_trip(client, celery_worker_session):
    # The worker's heartbeat shows up in /healthz with both queues.
    deadline = time.monotonic() + 10
    body = {}
    while time.monotonic() < deadline:
        body = client.get("/healthz").json()
        if body["checks"]["workers"]["ok"]:
            break
        time.sleep(0.2)
    assert body["status"] == "ok", body
    assert {"default", "gpu"} <= set(body["checks"]["workers"]["queues"])

    # A real task through the real broker and worker.
    Session.objects.create(
        session_key="x" * 32,
        session_data="",
        expire_date=timezone.now() - timezone.timedelta(days=1),
    )
    result = clear_expired_sessions.delay()
    assert result.get(timeout=20) == 1
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_live_workers_expire_when_heartbeat_stops(redis_client, settings):
    settings.TUTOR_WORKER_HEARTBEAT_SECONDS = 0.1
    heartbeat.beat_once(redis_client, "test-worker@nowhere", ["gpu"])
    assert "test-worker@nowhere" in [w["hostname"] for w in heartbeat.live_workers(redis_client)]
    time.sleep(0.5)  # three periods without a beat
    assert "test-worker@nowhere" not in [
        w["hostname"] for w in heartbeat.live_workers(redis_client)
    ]


@pytest.mark.asyncio
async def test_channel_layer_survives_an_idle_wait_longer_than_redis_py_default_timeout():
    """redis-py 8's 5 s socket timeout broke blocking receives (channels_redis#422)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()

    async def send_later():
        await asyncio.sleep(6)
        await layer.send(channel, {"type": "hello", "text": "still here"})

    sender = asyncio.create_task(send_later())
    message = await asyncio.wait_for(layer.receive(channel), timeout=15)
    await sender
    assert message == {"type": "hello", "text": "still here"}


@pytest.mark.django_db(transaction=True)
async def test_websocket_path_through_daphne_stack_and_channel_layer(student):
    """The ping socket echoes through a Redis channel-layer group for signed-in users only."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from config.asgi import application

    client = Client()
    await sync_to_async(client.force_login)(student)
    headers = [
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        (b"origin", b"http://localhost"),
    ]
    comm = WebsocketCommunicator(application, "/ws/ping/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    await comm.send_to(text_data="hello")
    assert await comm.receive_json_from(timeout=5) == {"echo": "hello"}
    await comm.disconnect()

    anonymous = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://localhost")]
    )
    connected, code = await anonymous.connect()
    assert not connected and code == 4401
    # A foreign origin is refused before any consumer runs.
    foreign = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected
