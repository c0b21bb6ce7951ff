"""In Chromium: press Explain, watch the text stream in, press Stop."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from curriculum.models import Problem
from inference.models import Generation

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_explanation_streams_in_and_stops(
    page, live_daphne, local_engine, celery_worker_session, demo, student
):
    local_engine.TUTOR_MAX_NEW_TOKENS = 100_000
    local_engine.TUTOR_TEMPERATURE = 0.0  # greedy: this random model then never says eos
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    page.goto(f"{live_daphne}/accounts/login/")
    page.get_by_label("Username").fill("demo-student")
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/courses/"))
    page.goto(f"{live_daphne}/problems/{problem.pk}/")

    page.get_by_role("button", name="Explain step by step").click()
    answer = page.locator(".gen-answer")
    page.locator(".explanation .gen-status").wait_for()
    # Text arrives and keeps growing while the tutor writes.
    page.wait_for_function(
        "() => document.querySelector('.gen-answer') && "
        "document.querySelector('.gen-answer').textContent.length > 20",
        timeout=30_000,
    )
    first = len(answer.text_content())
    page.wait_for_function(
        f"() => document.querySelector('.gen-answer').textContent.length > {first + 20}",
        timeout=30_000,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explanation-streaming.png"), full_page=True)

    page.get_by_role("button", name="Stop").click()
    page.wait_for_function(
        "() => document.querySelector('.explanation .gen-status').dataset.state === 'cancelled'",
        timeout=15_000,
    )
    assert "Stopped" in page.locator(".explanation .gen-status").inner_text()
    generation = Generation.objects.get(user=student)
    deadline = time.monotonic() + 10
    while generation.is_active and time.monotonic() < deadline:
        time.sleep(0.05)
        generation.refresh_from_db()
    assert generation.status == Generation.Status.CANCELLED
    # What the page shows is what the model wrote (the answer part), nothing lost or doubled.
    shown = page.locator("[id$='-answer-raw']").text_content()
    assert generation.text.replace("<think>", "").startswith(shown[: len(shown) // 2])
    assert page.get_by_role("button", name="Stop").count() == 0
