"""The `remote` engine against a local OpenAI-compatible server that speaks the real SSE format."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from curriculum.models import Problem
from inference import engines, services
from inference.engines import GenerationRequest
from inference.engines.remote import RemoteEngine
from inference.models import Generation

WORDS = [
    "<think>",
    "Let me ",
    "think.",
    "</think>",
    "Add ",
    "$-7$ ",
    "and ",
    "$12$.\n",
    "\\boxed{5}",
]


class FakeOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions with stream=true: `data: {chunk}` lines, then `data: [DONE]`."""

    protocol_version = "HTTP/1.1"
    words: list[str] = WORDS
    delay = 0.0
    requests: list[dict] = []
    disconnected = threading.Event()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _chunk(self, payload: str) -> None:
        data = payload.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if self.path != "/v1/chat/completions" or not body.get("stream"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i, word in enumerate(self.words):
                chunk = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
                }
                if i == 0:
                    chunk["choices"][0]["delta"]["role"] = "assistant"
                self._chunk(f"data: {json.dumps(chunk)}\n\n")
                time.sleep(self.delay)
            final = {
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 12, "completion_tokens": len(self.words)},
            }
            self._chunk(f"data: {json.dumps(final)}\n\n")
            self._chunk("data: [DONE]\n\n")
            self._chunk("")
        except (BrokenPipeError, ConnectionResetError):
            type(self).disconnected.set()


@pytest.fixture
def fake_server():
    FakeOpenAI.requests = []
    FakeOpenAI.disconnected = threading.Event()
    FakeOpenAI.words, FakeOpenAI.delay = WORDS, 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()


def test_remote_engine_streams_the_deltas_in_order(fake_server):
    _, url = fake_server
    engine = RemoteEngine(url, model="phi-4-mini-flash-reasoning")
    handle = engine.submit(
        GenerationRequest([{"role": "user", "content": "2+2?"}], max_new_tokens=50)
    )
    assert "".join(handle) == "".join(WORDS)
    assert handle.finish_reason == "stop"
    assert handle.prompt_tokens == 12 and handle.completion_tokens == len(WORDS)
    request = FakeOpenAI.requests[0]
    assert request["stream"] is True and request["max_tokens"] == 50
    assert request["messages"] == [{"role": "user", "content": "2+2?"}]
    engine.close()


def test_cancel_closes_the_connection(fake_server):
    _, url = fake_server
    FakeOpenAI.words, FakeOpenAI.delay = [f"w{i} " for i in range(2000)], 0.01
    engine = RemoteEngine(url)
    handle = engine.submit(GenerationRequest([{"role": "user", "content": "go"}]))
    assert handle.next_delta(timeout=10)
    engine.cancel(handle.id)
    deadline = time.monotonic() + 10
    while not handle.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handle.finish_reason == "cancelled"
    # The server notices the closed stream at its next write.
    assert FakeOpenAI.disconnected.wait(timeout=5)
    engine.close()


def test_server_error_fails_the_request_clearly(fake_server):
    _, url = fake_server
    engine = RemoteEngine(url.replace("/v1", "/nope"))
    handle = engine.submit(GenerationRequest([{"role": "user", "content": "x"}]))
    assert list(handle) == []
    assert handle.finish_reason == "error" and "404" in handle.error
    engine.close()


@pytest.mark.django_db(transaction=True)
def test_generation_through_the_worker_with_the_remote_engine(
    fake_server, settings, celery_worker_session, demo, student
):
    _, url = fake_server
    settings.TUTOR_ENGINE, settings.TUTOR_REMOTE_URL = "remote", url
    engines.reset_engine()
    try:
        problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
        generation = services.request_explanation(
            user=student, problem=problem, purpose="explanation"
        )
        deadline = time.monotonic() + 30
        while generation.is_active and time.monotonic() < deadline:
            time.sleep(0.05)
            generation.refresh_from_db()
        assert generation.status == Generation.Status.DONE
        assert generation.text == "".join(WORDS)
        assert generation.final_answer == "5"
        assert generation.answer_check == Generation.Check.AGREES and not generation.flagged
    finally:
        engines.reset_engine()
