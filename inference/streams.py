"""Redis streams that carry a generation's text from the worker to every websocket watching it.

`gen:<id>` is a capped stream of entries `{type, part, text, ...}`:
  - `delta`  : text to append to `part` (`think` = the tutor's reasoning, `answer` = the rest);
  - `status` : a line for the status area (queued, running, tokens so far);
  - `replace`: the whole `part` replaced (a withheld hint replaced by an authored one);
  - `end`    : the last entry, with the final `status` and the answer check.
`gen:<id>:cancel` asks the worker to stop; `gen:<id>:watch` is refreshed by open websockets so
the worker can cancel a generation nobody has watched for a while.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

STREAM_MAXLEN = 10_000
STREAM_TTL_SECONDS = 24 * 3600
WATCH_TTL_SECONDS = 30


def stream_key(generation_id: int) -> str:
    return f"gen:{generation_id}"


def cancel_key(generation_id: int) -> str:
    return f"gen:{generation_id}:cancel"


def watch_key(generation_id: int) -> str:
    return f"gen:{generation_id}:watch"


class ThinkSplitter:
    """Splits streamed text into the `<think>…</think>` part and the answer part, even when a
    tag arrives cut across two deltas."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.part = "answer"
        self._held = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        text = self._held + text
        self._held = ""
        out: list[tuple[str, str]] = []
        while text:
            tag = self.OPEN if self.part == "answer" else self.CLOSE
            index = text.find(tag)
            if index >= 0:
                if index:
                    out.append((self.part, text[:index]))
                self.part = "think" if tag == self.OPEN else "answer"
                text = text[index + len(tag) :]
                continue
            # Hold back a suffix that could be the start of the tag.
            keep = next((k for k in range(len(tag) - 1, 0, -1) if text.endswith(tag[:k])), 0)
            if keep:
                self._held = text[-keep:]
                text = text[:-keep]
            if text:
                out.append((self.part, text))
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        held, self._held = self._held, ""
        return [(self.part, held)] if held else []


class StreamWriter:
    """Coalesces deltas (every `interval` seconds, and at line ends) and appends them to the
    generation's stream with XADD."""

    def __init__(
        self,
        client: redis.Redis,
        generation_id: int,
        *,
        interval: float = 0.04,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.key = stream_key(generation_id)
        self.interval = interval
        self.clock = clock
        self.splitter = ThinkSplitter()
        self._buffer: list[tuple[str, str]] = []
        self._last_flush = clock()
        self.entries = 0

    def _xadd(self, fields: dict[str, str]) -> str:
        self.entries += 1
        return self.client.xadd(self.key, fields, maxlen=STREAM_MAXLEN, approximate=True)

    def status(self, text: str, **extra: str) -> None:
        self._xadd({"type": "status", "text": text, **extra})

    def replace(self, part: str, text: str) -> None:
        self.flush()
        self._xadd({"type": "replace", "part": part, "text": text})

    def write(self, text: str) -> None:
        # NUL cannot be stored by PostgreSQL nor shown in a page: a model may still emit it.
        self._buffer.extend(self.splitter.feed(text.replace("\x00", "\ufffd")))
        if "\n" in text or self.clock() - self._last_flush >= self.interval:
            self.flush()

    def tick(self) -> None:
        """Flush text held back longer than the interval (called when no new text came)."""
        if self._buffer and self.clock() - self._last_flush >= self.interval:
            self.flush()

    def flush(self) -> None:
        self._last_flush = self.clock()
        merged: list[tuple[str, str]] = []
        for part, text in self._buffer:
            if merged and merged[-1][0] == part:
                merged[-1] = (part, merged[-1][1] + text)
            else:
                merged.append((part, text))
        self._buffer.clear()
        for part, text in merged:
            if text:
                self._xadd({"type": "delta", "part": part, "text": text})

    def end(self, status: str, **fields: str) -> None:
        self._buffer.extend(self.splitter.flush())
        self.flush()
        self._xadd({"type": "end", "status": status, **fields})
        self.client.expire(self.key, STREAM_TTL_SECONDS)


def reset(client: redis.Redis, generation_id: int) -> None:
    """Forget anything left under this id (a database reset reuses ids; Redis keeps keys)."""
    client.delete(stream_key(generation_id), cancel_key(generation_id), watch_key(generation_id))


def cancel_requested(client: redis.Redis, generation_id: int) -> bool:
    return bool(client.exists(cancel_key(generation_id)))


def request_cancel(client: redis.Redis, generation_id: int) -> None:
    client.set(cancel_key(generation_id), "1", ex=STREAM_TTL_SECONDS)
