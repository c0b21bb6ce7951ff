"""One interface for every engine: submit a request, iterate its text deltas, cancel by id."""

from __future__ import annotations

import itertools
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field


class EngineError(RuntimeError):
    """The engine could not run a request (no model, server down, bad response)."""


@dataclass
class GenerationRequest:
    messages: list[dict[str, str]]
    max_new_tokens: int = 1024
    temperature: float = 0.6
    top_p: float = 0.95
    seed: int | None = None
    # What the request is about, for engines that work from the problem itself (the built-in
    # tutor model reads the statement, not a prompt written for large models).
    purpose: str = "explanation"
    statement: str = ""
    student_answer: str = ""


_ids = itertools.count(1)
_DONE = object()


@dataclass(eq=False)
class Handle:
    """A submitted request: iterate it for text deltas (blocking); `finish_reason` is set at
    the end (`stop`, `length`, `cancelled` or `error`)."""

    id: int = field(default_factory=lambda: next(_ids))
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    error: str | None = None
    # Engines that check every step say whether the text they finished with passed (the
    # built-in tutor model); None: the engine does not check.
    checked: bool | None = None
    retries: int = 0  # lines the engine's checks rejected and had written again
    corrections: int = 0  # lines whose miscopied number the engine's CAS corrected
    backtracks: int = 0  # valid steps the engine went back on because they led nowhere
    _queue: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    # Producer side (the engine).
    def put(self, text: str) -> None:
        if text:
            self._queue.put(text)

    def finish(self, reason: str, error: str | None = None) -> None:
        if self._finished.is_set():
            return
        self.finish_reason = reason
        self.error = error
        self._finished.set()
        self._queue.put(_DONE)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    # Consumer side (the task).
    def __iter__(self) -> Iterator[str]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            yield item

    def next_delta(self, timeout: float) -> str | None:
        """The next delta, '' when none came within `timeout`, None at the end."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return ""
        if item is _DONE:
            self._queue.put(_DONE)  # stay at the end for later calls
            return None
        return item


class Engine(ABC):
    name: str = "engine"
    model_name: str = ""

    @abstractmethod
    def submit(self, request: GenerationRequest) -> Handle:
        """Start generating; returns at once with a handle that yields text deltas."""

    @abstractmethod
    def cancel(self, handle_id: int) -> None:
        """Stop a request; its handle finishes with reason `cancelled`."""

    def waiting_position(self, handle_id: int) -> int | None:
        """The request's place in the engine's own queue (1 = next), if the engine knows."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook: most engines hold nothing to release
        """Release the engine's resources (threads, connections, GPU memory)."""
