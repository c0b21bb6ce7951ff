"""In Chromium: a failed explanation whose stream is gone is shown from the database with a
Retry button, and Retry posts a new request through htmx (under the strict CSP)."""

from __future__ import annotations

import pytest

from curriculum.models import Problem
from inference.models import Generation
from tests.browser_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_failed_explanation_renders_from_the_database_and_retry_posts(
    page, live_daphne, demo, student
):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    failed = Generation.objects.create(
        user=student,
        problem=problem,
        purpose="explanation",
        engine="local",
        status="failed",
        text="Start at $-3$ and move",
        error="the tutor's worker stopped while writing this. Press Retry to ask again",
    )
    log_in(page, live_daphne)
    page.goto(f"{live_daphne}/problems/{problem.pk}/")
    # The page starts with "Loading…"; the socket replaces it with the end, from the database.
    page.wait_for_function(
        "() => document.querySelector('.explanation .gen-status').textContent"
        ".includes('could not finish')",
        timeout=20_000,
    )
    assert "stopped while writing" in page.locator(".explanation").inner_text()
    assert "Start at" in page.locator(".gen-answer").inner_text()  # the text kept, from the DB
    page.get_by_role("button", name="Retry").click()
    # The panel is replaced by the answer to a new request: a new explanation when a worker
    # is up (other tests' worker may be), else the plain "offline" refusal.
    page.wait_for_function(f"() => !document.getElementById('gen-{failed.pk}')", timeout=15_000)
    panel = page.locator("#tutor-panel").inner_text()
    newer = Generation.objects.filter(user=student).exclude(pk=failed.pk)
    assert "The tutor is offline right now" in panel or newer.exists(), panel
