"""The live class dashboard's websocket: one Channels group per class."""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import OperationalError
from django.utils import translation

from tutor.consumers import SocketCapMixin
from tutor.dashboards import live
from tutor.dashboards.events import classroom_group
from tutor.i18n import language_for_scope
from tutor.models import Classroom
from tutor.permissions import can_view_classroom

log = logging.getLogger(__name__)


class ClassDashboardConsumer(SocketCapMixin, AsyncWebsocketConsumer):
    """`/ws/classes/<id>/`: the class's teacher (or an admin) receives fragments as students
    answer. Anyone else is closed with 4403 before joining the group."""

    group: str | None = None

    async def connect(self) -> None:
        classroom_id = int(self.scope["url_route"]["kwargs"]["classroom_id"])
        self.classroom = await self._load(self.scope.get("user"), classroom_id)
        if self.classroom is None:
            await self.close(code=4403)
            return
        if not await self.claim_socket(self.scope["user"]):
            return
        self.group = classroom_group(classroom_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _load(self, user, classroom_id: int) -> Classroom | None:
        if user is None or not user.is_authenticated:
            return None
        classroom = Classroom.objects.filter(pk=classroom_id).first()
        if classroom is None or not can_view_classroom(user, classroom):
            return None
        return classroom

    async def disconnect(self, code: int) -> None:
        await self.release_socket()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # the dashboard only listens

    def _fragments(self, classroom: Classroom, attempt_id: int) -> list[str]:
        # In the teacher's language, as their page was.
        with translation.override(language_for_scope(self.scope)):
            return live.attempt_fragments(classroom, attempt_id)

    async def attempt_recorded(self, event: dict) -> None:
        # Rights are checked again for each event: a class handed to another teacher (or a
        # removed staff flag) stops the stream at once, not at the next page load.
        try:
            classroom = await self._load(self.scope.get("user"), self.classroom.pk)
            if classroom is None:
                await self.close(code=4403)
                return
            messages = await database_sync_to_async(self._fragments)(
                classroom, int(event["attempt_id"])
            )
        except OperationalError:
            # No database connection in time (a burst): skip this event and keep the socket;
            # the student's row is redrawn with their next answer or a reload.
            log.warning("dashboard event skipped under load (attempt %s)", event["attempt_id"])
            return
        self.classroom = classroom
        for html in messages:
            await self.send(text_data=html)
