"""A local OpenAI-compatible chat-completions server speaking the real SSE streaming format."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
    """POST /v1/chat/completions with stream=true: `data: {chunk}` lines, then `data: [DONE]`.
    A word is a delta's content, or a (field, text) pair: ("reasoning_content", "...") is
    what vLLM's reasoning parser sends."""

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
                field, text = word if isinstance(word, tuple) else ("content", word)
                chunk = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {field: text}, "finish_reason": None}],
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
    """(server, base URL) of a fresh fake; configure FakeOpenAI.words / .delay per test."""
    FakeOpenAI.requests = []
    FakeOpenAI.disconnected = threading.Event()
    FakeOpenAI.words, FakeOpenAI.delay = WORDS, 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()
