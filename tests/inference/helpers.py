"""Reading the websocket's fragments back into text, the way the browser's script does."""

from __future__ import annotations

import html
import re

from channels.testing import WebsocketCommunicator

from config.asgi import application

_DELTA = re.compile(
    r'<span id="gen-\d+-(?P<part>think|answer)-raw" hx-swap-oob="(?P<how>beforeend|innerHTML)">'
    r'<span data-sid="(?P<sid>[\d-]+)">(?P<text>.*?)</span></span>',
    re.DOTALL,
)
_LAST = re.compile(r'id="gen-\d+-last" data-sid="(?P<sid>[\d-]+)"')


class StreamReader:
    def __init__(self) -> None:
        self.parts = {"think": "", "answer": ""}
        self.sids: list[str] = []
        self.messages: list[str] = []
        self.ended = False

    def feed(self, message: str) -> None:
        self.messages.append(message)
        for match in _DELTA.finditer(message):
            text = html.unescape(match["text"])
            if match["how"] == "innerHTML":
                self.parts[match["part"]] = text
            else:
                self.parts[match["part"]] += text
        if last := _LAST.search(message):
            self.sids.append(last["sid"])
        if "data-state=" in message and 'hx-swap-oob="innerHTML"></div>' in message:
            self.ended = True

    @property
    def last(self) -> str:
        return self.sids[-1] if self.sids else "0-0"


def session_headers(client, user) -> list[tuple[bytes, bytes]]:
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://localhost")]


def communicator(generation_id: int, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/generations/{generation_id}/", headers=headers)
