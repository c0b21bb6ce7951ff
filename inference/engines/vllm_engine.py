"""vLLM in-process, for deployments whose vLLM release still supports the model (≤ 0.10.2,
V0 engine with `VLLM_ATTENTION_BACKEND=DIFFERENTIAL_FLASH_ATTN`). Not exercised by the test
suite: vLLM needs a GPU and is not installed here. The `remote` engine against `vllm serve`
is the tested way to use vLLM."""

from __future__ import annotations

import threading
from pathlib import Path

from inference.engines.base import Engine, EngineError, GenerationRequest, Handle


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(self, model_path: str | Path) -> None:
        try:
            import vllm  # noqa: F401
            from vllm import EngineArgs, LLMEngine, SamplingParams
        except ImportError as exc:
            raise EngineError("TUTOR_ENGINE=vllm but vLLM is not installed in this worker") from exc
        self._SamplingParams = SamplingParams
        args = EngineArgs(
            model=str(model_path),
            trust_remote_code=True,
            enable_prefix_caching=False,
            enable_chunked_prefill=False,
        )
        try:
            self.engine = LLMEngine.from_engine_args(args)
        except Exception as exc:  # any failure: this release cannot run the model
            raise EngineError(f"vLLM could not load {model_path}: {exc}") from exc
        self.tokenizer = self.engine.get_tokenizer()
        self.model_name = Path(model_path).name
        self._lock = threading.Condition()
        self._handles: dict[str, tuple[Handle, int]] = {}
        self._thread = threading.Thread(target=self._loop, name="vllm-engine", daemon=True)
        self._thread.start()

    def submit(self, request: GenerationRequest) -> Handle:
        prompt = self.tokenizer.apply_chat_template(
            request.messages, add_generation_prompt=True, tokenize=False
        )
        handle = Handle()
        params = self._SamplingParams(
            temperature=request.temperature,
            top_p=request.top_p,
            max_tokens=request.max_new_tokens,
            seed=request.seed,
        )
        with self._lock:
            self._handles[str(handle.id)] = (handle, 0)
            self.engine.add_request(str(handle.id), prompt, params)
            self._lock.notify()
        return handle

    def cancel(self, handle_id: int) -> None:
        with self._lock:
            entry = self._handles.pop(str(handle_id), None)
            self.engine.abort_request(str(handle_id))
        if entry:
            entry[0].finish("cancelled")

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self.engine.has_unfinished_requests():
                    self._lock.wait()
                outputs = self.engine.step()
                for out in outputs:
                    entry = self._handles.get(out.request_id)
                    if entry is None:
                        continue
                    handle, sent = entry
                    completion = out.outputs[0]
                    handle.put(completion.text[sent:])
                    handle.prompt_tokens = len(out.prompt_token_ids or [])
                    handle.completion_tokens = len(completion.token_ids)
                    self._handles[out.request_id] = (handle, len(completion.text))
                    if out.finished:
                        del self._handles[out.request_id]
                        handle.finish(completion.finish_reason or "stop")
