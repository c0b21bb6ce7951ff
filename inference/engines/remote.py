"""Any OpenAI-compatible streaming chat-completions server (e.g. `vllm serve`)."""

from __future__ import annotations

import json
import threading

import httpx

from inference.engines.base import Engine, EngineError, GenerationRequest, Handle
from inference.streams import ThinkSplitter

THINK_OPEN, THINK_CLOSE = ThinkSplitter.OPEN, ThinkSplitter.CLOSE


class RemoteEngine(Engine):
    name = "remote"

    def __init__(self, base_url: str, *, model: str = "", api_key: str = "", timeout: float = 60.0):
        if not base_url:
            raise EngineError("TUTOR_REMOTE_URL is not set")
        self.base_url = base_url.rstrip("/")
        self.model_name = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=5.0))
        self._responses: dict[int, httpx.Response] = {}
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()

    def submit(self, request: GenerationRequest) -> Handle:
        handle = Handle()
        thread = threading.Thread(
            target=self._run, args=(handle, request), name=f"remote-{handle.id}", daemon=True
        )
        thread.start()
        return handle

    def cancel(self, handle_id: int) -> None:
        with self._lock:
            self._cancelled.add(handle_id)
            response = self._responses.get(handle_id)
        if response is not None:
            response.close()  # closing the stream tells the server to abort the request

    def close(self) -> None:
        self.client.close()

    def _run(self, handle: Handle, request: GenerationRequest) -> None:
        body = {
            "model": self.model_name or "default",
            "messages": request.messages,
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.seed is not None:
            body["seed"] = request.seed
        reason = "stop"
        thinking = False  # inside reasoning the server sent apart from the content
        try:
            with self.client.stream(
                "POST", f"{self.base_url}/chat/completions", json=body
            ) as response:
                with self._lock:
                    self._responses[handle.id] = response
                    if handle.id in self._cancelled:
                        raise _Cancelled
                if response.status_code != 200:
                    response.read()
                    raise EngineError(
                        f"the model server answered {response.status_code}: {response.text[:300]}"
                    )
                for line in response.iter_lines():
                    if handle.id in self._cancelled:
                        raise _Cancelled
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    if usage := chunk.get("usage"):
                        handle.prompt_tokens = usage.get("prompt_tokens", handle.prompt_tokens)
                        handle.completion_tokens = usage.get(
                            "completion_tokens", handle.completion_tokens
                        )
                    for choice in chunk.get("choices", []):
                        delta = choice.get("delta", {})
                        # vLLM's reasoning parser sends the thinking as reasoning_content
                        # (newer releases: reasoning) without the tags; the rest of the
                        # pipeline reads thinking between <think> and </think>: put them back.
                        if reasoning := delta.get("reasoning_content") or delta.get("reasoning"):
                            handle.put(reasoning if thinking else THINK_OPEN + reasoning)
                            thinking = True
                        if delta.get("content"):
                            handle.completion_tokens += 0 if chunk.get("usage") else 1
                            handle.put(
                                THINK_CLOSE + delta["content"] if thinking else delta["content"]
                            )
                            thinking = False
                        if choice.get("finish_reason"):
                            reason = choice["finish_reason"]
            if thinking:  # it stopped while thinking (length): the part still closes
                handle.put(THINK_CLOSE)
            handle.finish(reason)
        except _Cancelled:
            handle.finish("cancelled")
        except (httpx.HTTPError, EngineError, json.JSONDecodeError) as exc:
            if handle.id in self._cancelled:
                handle.finish("cancelled")
            else:
                handle.finish("error", f"model server: {exc}")
        finally:
            with self._lock:
                self._responses.pop(handle.id, None)
                self._cancelled.discard(handle.id)


class _Cancelled(Exception):
    pass
