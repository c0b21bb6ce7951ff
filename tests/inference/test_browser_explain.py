"""In Chromium: press Explain, watch the text stream in (math typeset as it completes), press
Stop. The model is a local OpenAI-compatible server streaming a long, known text slowly, so
the page's behaviour does not depend on what a random model happens to write."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from curriculum.models import Problem
from inference.models import Generation
from tests.browser_helpers import log_in
from tests.inference.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_explanation_streams_in_and_stops(
    page, remote_engine, live_daphne, celery_worker_session, demo, student
):
    FakeOpenAI.words = ["<think>", "First I add. ", "</think>"] + [
        f"Step {i}: $-7 + {i} = {i - 7}$.\n" for i in range(400)
    ]
    FakeOpenAI.delay = 0.03
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    log_in(page, live_daphne)
    page.goto(f"{live_daphne}/problems/{problem.pk}/")

    page.get_by_role("button", name="Explain step by step").click()
    answer = page.locator(".gen-answer")
    # Text arrives and keeps growing while the tutor writes; math is typeset as it completes.
    page.wait_for_function(
        "() => document.querySelectorAll('.gen-answer .katex').length >= 3", timeout=30_000
    )
    first = len(answer.text_content())
    page.wait_for_function(
        f"() => document.querySelector('.gen-answer').textContent.length > {first + 40}",
        timeout=30_000,
    )
    # The reasoning part sits in its own collapsed box.
    assert page.locator(".gen-reasoning").is_visible()
    assert "First I add." in page.locator("[id$='-think-raw']").text_content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explanation-streaming.png"), full_page=True)

    page.get_by_role("button", name="Stop").click()
    page.wait_for_function(
        "() => document.querySelector('.explanation .gen-status').dataset.state === 'cancelled'",
        timeout=15_000,
    )
    assert "Stopped" in page.locator(".explanation .gen-status").inner_text()
    assert page.get_by_role("button", name="Stop").count() == 0
    generation = Generation.objects.get(user=student)
    deadline = time.monotonic() + 10
    while generation.is_active and time.monotonic() < deadline:
        time.sleep(0.05)
        generation.refresh_from_db()
    assert generation.status == Generation.Status.CANCELLED
    assert FakeOpenAI.disconnected.wait(timeout=5)  # the model server's stream was closed
    # The page shows exactly what the model wrote before the stop: nothing lost or doubled.
    shown = page.locator("[id$='-answer-raw']").text_content()
    assert generation.text == "<think>First I add. </think>" + shown
