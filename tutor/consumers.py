"""Websocket consumers. Thin: rights checks here, work in services."""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class PingConsumer(AsyncWebsocketConsumer):
    """Liveness of the websocket path for signed-in users: echoes through the channel layer.

    A message sent by the browser goes out through a group on the Redis channel layer and comes
    back, so a working reply proves daphne, the auth middleware and the layer together.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = f"ping.{user.pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "ping.echo", "text": (text_data or "")[:200]}
        )

    async def ping_echo(self, event: dict) -> None:
        await self.send(text_data=json.dumps({"echo": event["text"]}))
