"""The engine of this worker process, chosen by settings (`TUTOR_ENGINE`).

| TUTOR_ENGINE | engine | needs |
|---|---|---|
| `local` (the default) | our SambaY in-process with continuous batching | `TUTOR_MODEL_PATH` (default: the built-in tutor model) |
| `remote` | an OpenAI-compatible streaming server, e.g. `vllm serve` | `TUTOR_REMOTE_URL` (and `TUTOR_REMOTE_MODEL`) |
| `none` | none: the Explain button says no model is configured | |
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from inference.engines.base import Engine, EngineError, GenerationRequest, Handle

__all__ = [
    "Engine",
    "EngineError",
    "GenerationRequest",
    "Handle",
    "get_engine",
    "is_configured",
    "model_label",
]

_engine: Engine | None = None
_lock = threading.Lock()


def is_configured() -> bool:
    return bool(settings.TUTOR_ENGINE)


def model_label() -> str:
    """A short name of the model that answers, for the page (the worker may refine it)."""
    kind = settings.TUTOR_ENGINE
    if kind == "remote":
        return settings.TUTOR_REMOTE_MODEL
    path = Path(settings.TUTOR_MODEL_PATH or "")
    if path == Path(settings.BUILTIN_TUTOR_MODEL):
        return "the built-in tutor model (SambaY)"
    return path.name


def build_engine() -> Engine:
    kind = settings.TUTOR_ENGINE
    if kind == "local":
        from inference.engines.local import LocalEngine

        if not settings.TUTOR_MODEL_PATH:
            raise EngineError("TUTOR_ENGINE=local needs TUTOR_MODEL_PATH (a checkpoint directory)")
        return LocalEngine(
            settings.TUTOR_MODEL_PATH,
            device=settings.TUTOR_DEVICE or None,
            max_batch_size=settings.TUTOR_MAX_BATCH_SIZE,
            torch_threads=settings.TUTOR_TORCH_THREADS,
        )
    if kind == "remote":
        from inference.engines.remote import RemoteEngine

        return RemoteEngine(
            settings.TUTOR_REMOTE_URL,
            model=settings.TUTOR_REMOTE_MODEL,
            api_key=settings.TUTOR_REMOTE_API_KEY,
        )
    if not kind:
        raise EngineError("no model is configured (TUTOR_ENGINE is not set)")
    raise EngineError(
        f"unknown TUTOR_ENGINE {kind!r}: use local or remote (vLLM: remote against `vllm serve`)"
    )


def get_engine() -> Engine:
    """The process's engine, built on first use: inside the worker process, after any fork."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = build_engine()
        return _engine


def reset_engine() -> None:
    """Close and forget the process's engine (settings changed, or shutting down)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.close()
        _engine = None
