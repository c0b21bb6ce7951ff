"""Websocket consumers. Thin: rights checks here, work in services."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import redis.asyncio as aioredis
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

log = logging.getLogger(__name__)

CAP_CLOSE_CODE = 4429
BUSY_CLOSE_CODE = 4013  # as config.asgi.WebsocketOverloadGuard: the page reconnects
CAP_REASON = "Too many open connections for this account; close other tabs and reload."
# A socket whose process died without saying goodbye stops counting after this long.
_CAP_STALE_SECONDS = 3600
_clients: dict[int, aioredis.Redis] = {}


def _redis() -> aioredis.Redis:
    """One client per event loop (a daphne process has one)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(id(loop))
    if client is None:
        # Bounded and blocking: a burst of sockets waits for a connection, never "too many".
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.REDIS_URL, max_connections=16, timeout=10, socket_timeout=10
        )
        client = aioredis.Redis(connection_pool=pool)
        _clients[id(loop)] = client
    return client


class SocketCapMixin:
    """Per-user cap on open websockets across every web process (a sorted set in Redis:
    member = channel name, score = when it opened). Over the cap, the socket is accepted and
    closed at once with 4429 and a reason the page can show."""

    _cap_key: str | None = None

    async def claim_socket(self, user) -> bool:
        key = f"tutor:sockets:{user.pk}"
        now = time.time()
        try:
            pipe = _redis().pipeline(transaction=True)
            pipe.zremrangebyscore(key, 0, now - _CAP_STALE_SECONDS)
            pipe.zadd(key, {self.channel_name: now})
            pipe.zcard(key)
            pipe.expire(key, _CAP_STALE_SECONDS)
            _, _, count, _ = await pipe.execute()
        except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
            # Cannot count (Redis away or too slow): "busy, try again" rather than no cap.
            log.warning("socket cap: %s; closing as busy", exc)
            await self.accept()
            await self.close(code=BUSY_CLOSE_CODE, reason="The tutor is busy.")
            return False
        if count > settings.TUTOR_MAX_SOCKETS_PER_USER:
            await _redis().zrem(key, self.channel_name)
            await self.accept()
            await self.close(code=CAP_CLOSE_CODE, reason=CAP_REASON)
            return False
        self._cap_key = key
        return True

    async def release_socket(self) -> None:
        if self._cap_key is not None:
            try:
                await _redis().zrem(self._cap_key, self.channel_name)
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                pass
            self._cap_key = None


class PingConsumer(SocketCapMixin, AsyncWebsocketConsumer):
    """Liveness of the websocket path for signed-in users: echoes through the channel layer.

    A message sent by the browser goes out through a group on the Redis channel layer and comes
    back, so a working reply proves daphne, the auth middleware and the layer together.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await self.claim_socket(user):
            return
        self.group = f"ping.{user.pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.release_socket()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "ping.echo", "text": (text_data or "")[:200]}
        )

    async def ping_echo(self, event: dict) -> None:
        await self.send(text_data=json.dumps({"echo": event["text"]}))
