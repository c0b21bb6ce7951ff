"""The websocket that streams one generation to the browser, resuming from the last id seen."""

from __future__ import annotations

import asyncio
import json
import time

import redis
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inference import fragments, services, streams
from inference.models import Generation
from tutor.consumers import SocketCapMixin
from tutor.i18n import language_for_scope

RESUME_WAIT_SECONDS = 2.0
WATCH_REFRESH_SECONDS = 10.0
STATUS_REFRESH_SECONDS = 1.0
# While the stream is silent, how often the database is asked whether the generation ended
# without an end entry (stream expired, or lost or cut short by a Redis restart).
DATABASE_CHECK_SECONDS = 5.0
# The worker saves the finished row, then writes the stream's end entry: a row finished this
# recently may still have its end on the way, so the stream is tailed a little longer.
END_ENTRY_GRACE_SECONDS = 3.0


class GenerationConsumer(SocketCapMixin, AsyncWebsocketConsumer):
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
        if not await self.claim_socket(user):
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
        await self.release_socket()
        if self.tail_task is not None:
            self.tail_task.cancel()
        if self.redis is not None:
            await self.redis.aclose()

    async def _tail(self) -> None:
        try:
            await asyncio.wait_for(self.resumed.wait(), RESUME_WAIT_SECONDS)
        except TimeoutError:
            pass  # an old client that does not resume: start from the beginning
        self.next_watch = self.next_status = 0.0
        self.next_db_check = time.monotonic() + DATABASE_CHECK_SECONDS
        self.still_queued = True
        while True:
            try:
                if await self._step(streams.stream_key(self.gen_id)):
                    return
            except (redis.ConnectionError, redis.TimeoutError):
                # Redis restarting: keep the socket and try again shortly.
                await asyncio.sleep(1.0)

    async def _step(self, key: str) -> bool:
        """One round of tailing; True once the end was sent and the socket closed."""
        now = time.monotonic()
        if now >= self.next_watch:
            await self.redis.set(streams.watch_key(self.gen_id), "1", ex=streams.WATCH_TTL_SECONDS)
            self.next_watch = now + WATCH_REFRESH_SECONDS
        result = await self.redis.xread({key: self.last}, block=500, count=200)
        for _stream, entries in result or []:
            for sid, fields in entries:
                self.last = sid
                await self.send(text_data=self._fragment(sid, fields))
                if fields.get("type") == "end":
                    await self.close(code=1000)
                    return True
        if result or time.monotonic() < self.next_status:
            return False
        self.next_status = time.monotonic() + STATUS_REFRESH_SECONDS
        # The stream expired, or a Redis restart lost or cut it short: a finished generation
        # is rendered from the database instead of "Loading…" for ever.
        silent_long = time.monotonic() >= self.next_db_check
        if silent_long:
            self.next_db_check = time.monotonic() + DATABASE_CHECK_SECONDS
        if (silent_long or not await self.redis.exists(key)) and await self._from_database():
            return True
        if self.still_queued:
            text = await self._waiting_status()
            if text:
                await self.send(text_data=fragments.status(self.gen_id, text, state="queued"))
            else:
                self.still_queued = False  # the worker reports from now on: stop asking the DB
        return False

    def _fragment(self, sid: str, fields: dict[str, str]) -> str:
        if fields.get("type") == "end":
            # In the watcher's language, as their page was.
            with translation.override(language_for_scope(self.scope)):
                return fragments.end(self.gen_id, sid, fields, retry=self._retry(fields))
        return _fragment(self.gen_id, sid, fields)

    def _retry(self, fields: dict[str, str]) -> dict | None:
        """What the Retry button posts: only the owner, only after a failure."""
        if not self.is_owner or fields.get("status") != Generation.Status.FAILED:
            return None
        return {
            "problem_id": self.generation.problem_id,
            "purpose": self.generation.purpose,
            "attempt": self.generation.attempt_id or "",
        }

    async def _from_database(self) -> bool:
        generation = await database_sync_to_async(
            lambda: Generation.objects.filter(pk=self.gen_id).first()
        )()
        if generation is None or generation.is_active:
            return False
        finished = generation.finished_at
        if finished and (timezone.now() - finished).total_seconds() < END_ENTRY_GRACE_SECONDS:
            return False
        sid = "0-1"  # a stand-in id: nothing follows it
        think, answer = _parts(generation)
        for part, text in (("think", think), ("answer", answer)):
            await self.send(text_data=fragments.replace(self.gen_id, sid, part, text))
        fields = {"type": "end", "status": generation.status}
        if generation.status == Generation.Status.DONE:
            fields.update(check=generation.answer_check, detail=generation.answer_check_detail)
            if generation.step_check:
                fields["steps"] = json.dumps(generation.step_check)
        elif generation.status == Generation.Status.FAILED:
            fields["detail"] = f"The tutor could not finish: {generation.error or 'unknown error'}."
        await self.send(text_data=self._fragment(sid, fields))
        await self.close(code=1000)
        return True

    @database_sync_to_async
    def _waiting_status(self) -> str | None:
        with translation.override(language_for_scope(self.scope)):
            return self._waiting_text()

    def _waiting_text(self) -> str | None:
        generation = Generation.objects.filter(pk=self.gen_id).first()
        if generation is None or generation.status != Generation.Status.QUEUED:
            return None
        if not services.tutor_online():
            return _("The tutor is offline right now. Your request will start when it is back.")
        position = services.queue_position(generation)
        return (
            _("Waiting for the tutor: you are next.")
            if position == 1
            else _("Waiting for the tutor: number %(n)d in line.") % {"n": position}
        )


def _parts(generation: Generation) -> tuple[str, str]:
    """The reasoning and the answer as the stream showed them, from the database."""
    splitter = streams.ThinkSplitter()
    think = answer = ""
    for part, text in splitter.feed(generation.text) + splitter.flush():
        if part == "think":
            think += text
        else:
            answer += text
    if generation.purpose == Generation.Purpose.HINT:
        # Hints are shown only once checked: what the student was shown, or nothing.
        return "", generation.shown_text if generation.status == Generation.Status.DONE else ""
    return think, generation.shown_text or answer


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
