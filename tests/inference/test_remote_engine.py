"""The `remote` engine against a local OpenAI-compatible server that speaks the real SSE format."""

from __future__ import annotations

import time

import pytest

from curriculum.models import Problem
from inference import engines, services
from inference.engines import GenerationRequest
from inference.engines.remote import RemoteEngine
from inference.models import Generation
from inference.streams import ThinkSplitter
from tests.inference.fake_openai import WORDS, FakeOpenAI


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


def test_reasoning_content_arrives_inside_think_tags(fake_server):
    """vLLM's reasoning parser sends the thinking as reasoning_content, without the tags; the
    engine puts them back, so the worker's ThinkSplitter shows it as the thinking part."""
    _, url = fake_server
    FakeOpenAI.words = [
        ("reasoning_content", "Let me "),
        ("reasoning_content", "think."),
        "Add $-7$ and $12$.\n",
        "\\boxed{5}",
    ]
    engine = RemoteEngine(url)
    handle = engine.submit(GenerationRequest([{"role": "user", "content": "-7 + 12?"}]))
    text = "".join(handle)
    assert text == "<think>Let me think.</think>Add $-7$ and $12$.\n\\boxed{5}"
    splitter = ThinkSplitter()
    parts = splitter.feed(text)
    assert [p for p in parts if p[0] == "think"] == [("think", "Let me think.")]
    assert "".join(t for part, t in parts if part == "answer").endswith("\\boxed{5}")
    assert handle.finish_reason == "stop"
    # Stopped while still thinking (out of tokens): the thinking part is closed all the same.
    FakeOpenAI.words = [("reasoning_content", "Hmm")]
    handle = engine.submit(GenerationRequest([{"role": "user", "content": "x"}]))
    assert "".join(handle) == "<think>Hmm</think>"
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
