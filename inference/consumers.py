"""The websocket that streams one generation to the browser, resuming from the last id seen."""

from __future__ import annotations

import asyncio
import json
import time

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from inference import fragments, services, streams
from inference.models import Generation

RESUME_WAIT_SECONDS = 2.0
WATCH_REFRESH_SECONDS = 10.0
STATUS_REFRESH_SECONDS = 1.0


class GenerationConsumer(AsyncWebsocketConsumer):
    """`/ws/generations/<id>/`. The browser first sends `{"action": "resume", "last": id}`
    (the last stream id it has, `0-0` for none), then receives fragments; `{"action": "stop"}`
    from the owner stops the generation."""

    async def connect(self) -> None:
        self.tail_task: asyncio.Task | None = None
        self.redis: aioredis.Redis | None = None
        user = self.scope.get("user")
        gen_id = int(self.scope["url_route"]["kwargs"]["generation_id"])
        self.generation = await self._load(user, gen_id)
        if self.generation is None:
            await self.close(code=4403)
            return
        self.gen_id = gen_id
        self.is_owner = self.generation.user_id == user.pk
        self.resumed = asyncio.Event()
        self.last = "0-0"
        # redis-py 8 defaults to a 5 s socket timeout; XREAD BLOCK needs longer.
        self.redis = aioredis.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=None
        )
        await self.accept()
        self.tail_task = asyncio.create_task(self._tail())

    @database_sync_to_async
    def _load(self, user, gen_id: int) -> Generation | None:
        if user is None or not user.is_authenticated:
            return None
        generation = Generation.objects.select_related("user").filter(pk=gen_id).first()
        if generation is None or not services.can_watch(user, generation):
            return None
        return generation

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "{}")
        except json.JSONDecodeError:
            return
        action = message.get("action")
        if action == "resume" and not self.resumed.is_set():
            last = str(message.get("last") or "0-0")
            if _valid_stream_id(last):
                self.last = last
            self.resumed.set()
        elif action == "stop" and self.is_owner:
            await database_sync_to_async(services.stop_generation)(
                user=self.generation.user, generation=self.generation
            )

    async def disconnect(self, code: int) -> None:
        if self.tail_task is not None:
            self.tail_task.cancel()
        if self.redis is not None:
            await self.redis.aclose()

    async def _tail(self) -> None:
        try:
            await asyncio.wait_for(self.resumed.wait(), RESUME_WAIT_SECONDS)
        except TimeoutError:
            pass  # an old client that does not resume: start from the beginning
        key = streams.stream_key(self.gen_id)
        next_watch = next_status = 0.0
        still_queued = True
        while True:
            now = time.monotonic()
            if now >= next_watch:
                await self.redis.set(
                    streams.watch_key(self.gen_id), "1", ex=streams.WATCH_TTL_SECONDS
                )
                next_watch = now + WATCH_REFRESH_SECONDS
            result = await self.redis.xread({key: self.last}, block=500, count=200)
            for _, entries in result or []:
                for sid, fields in entries:
                    self.last = sid
                    await self.send(text_data=_fragment(self.gen_id, sid, fields))
                    if fields.get("type") == "end":
                        await self.close(code=1000)
                        return
            if not result and still_queued and time.monotonic() >= next_status:
                next_status = time.monotonic() + STATUS_REFRESH_SECONDS
                text = await self._waiting_status()
                if text:
                    await self.send(text_data=fragments.status(self.gen_id, text, state="queued"))
                else:
                    still_queued = False  # the worker reports from now on: stop asking the DB

    @database_sync_to_async
    def _waiting_status(self) -> str | None:
        generation = Generation.objects.filter(pk=self.gen_id).first()
        if generation is None or generation.status != Generation.Status.QUEUED:
            return None
        if not services.tutor_online():
            return "The tutor is offline right now. Your request will start when it is back."
        position = services.queue_position(generation)
        return (
            "Waiting for the tutor: you are next."
            if position == 1
            else f"Waiting for the tutor: number {position} in line."
        )


def _valid_stream_id(value: str) -> bool:
    left, _, right = value.partition("-")
    return left.isdigit() and right.isdigit()


def _fragment(gen_id: int, sid: str, fields: dict[str, str]) -> str:
    kind = fields.get("type")
    if kind == "delta":
        return fragments.delta(gen_id, sid, fields.get("part", "answer"), fields.get("text", ""))
    if kind == "replace":
        return fragments.replace(gen_id, sid, fields.get("part", "answer"), fields.get("text", ""))
    if kind == "end":
        return fragments.end(gen_id, sid, fields)
    return fragments.status(gen_id, fields.get("text", ""), sid, state="running")
