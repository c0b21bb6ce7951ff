"""Our SambaY inside the worker process, with continuous batching.

One engine loop thread steps every active sequence together (one batched model call per decode
step); Celery tasks running in other threads of the same process submit to it and read their
own handles. Build it inside the worker process (never before a fork).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import torch

from inference.engines.base import Engine, EngineError, GenerationRequest, Handle
from inference.sambay import BatchDecoder, IncrementalDetokenizer, SamplingParams, load_checkpoint

log = logging.getLogger(__name__)


class LocalEngine(Engine):
    name = "local"

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str | None = None,
        dtype: str | torch.dtype | None = None,
        max_batch_size: int = 32,
        torch_threads: int | None = None,
    ) -> None:
        path = Path(model_path)
        if not (path / "config.json").exists():
            raise EngineError(f"no model checkpoint at {path} (config.json is missing)")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if torch_threads:
            # Process-wide; on a small shared CPU one thread beats oversubscribed small kernels.
            torch.set_num_threads(torch_threads)
        if dtype is None:
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        self.model, self.tokenizer = load_checkpoint(path, dtype=dtype, device=device)
        self.model_name = path.name
        # Bounded prefill per step: a long prompt must not stall the sequences already decoding.
        self.decoder = BatchDecoder(
            self.model, max_batch_size=max_batch_size, max_prefill_tokens_per_step=2048
        )
        # Re-entrant, so callers that hold it (to see a consistent state between two steps)
        # can still use the public methods.
        self._lock = threading.RLock()
        self._work = threading.Condition(self._lock)
        self._handles: dict[int, tuple[Handle, IncrementalDetokenizer]] = {}
        self._by_handle: dict[int, int] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="sambay-engine", daemon=True)
        self._thread.start()

    @property
    def stats(self):
        return self.decoder.stats

    def submit(self, request: GenerationRequest) -> Handle:
        prompt = self.tokenizer.apply_chat_template(request.messages, add_generation_prompt=True)
        handle = Handle(prompt_tokens=len(prompt))
        sampling = SamplingParams(
            temperature=request.temperature,
            top_p=request.top_p,
            max_new_tokens=request.max_new_tokens,
            seed=request.seed,
        )
        with self._work:
            if self._closed:
                raise EngineError("the engine is shut down")
            seq_id = self.decoder.add(prompt, sampling)
            self._handles[seq_id] = (handle, self.tokenizer.detokenizer())
            self._by_handle[handle.id] = seq_id
            self._work.notify()
        return handle

    def cancel(self, handle_id: int) -> None:
        with self._work:
            seq_id = self._by_handle.pop(handle_id, None)
            if seq_id is None:
                return
            self.decoder.cancel(seq_id)
            entry = self._handles.pop(seq_id, None)
        if entry:
            entry[0].finish("cancelled")

    def waiting_position(self, handle_id: int) -> int | None:
        with self._work:
            seq_id = self._by_handle.get(handle_id)
            return None if seq_id is None else self.decoder.waiting_position(seq_id)

    def close(self) -> None:
        with self._work:
            self._closed = True
            self._work.notify()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._work:
                while not self.decoder.has_work and not self._closed:
                    self._work.wait()
                if self._closed:
                    for handle, _ in self._handles.values():
                        handle.finish("cancelled")
                    return
                try:
                    events = self.decoder.step()  # one batched model call for all sequences
                except Exception as exc:  # noqa: BLE001 - a model error fails its requests, not the loop
                    log.exception("engine step failed")
                    for seq_id, (handle, _) in list(self._handles.items()):
                        self.decoder.cancel(seq_id)
                        handle.finish("error", str(exc))
                    self._handles.clear()
                    self._by_handle.clear()
                    continue
                for event in events:
                    entry = self._handles.get(event.seq_id)
                    if entry is None:
                        continue
                    handle, detok = entry
                    handle.completion_tokens += 1
                    handle.put(detok.push(event.token_id))
                    if event.finish_reason is not None:
                        handle.put(detok.flush())
                        del self._handles[event.seq_id]
                        self._by_handle.pop(handle.id, None)
                        handle.finish(event.finish_reason)
