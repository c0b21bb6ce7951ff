"""In Chromium: an answer refused with 503 + Retry-After (the server's overload answer, see
tests/test_serving.py for the real one) is resent by the page with the typed answer kept, and
stored once."""

from __future__ import annotations

import pytest

from curriculum.models import Problem
from tests.browser_helpers import log_in
from tutor.models import Attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_503_answer_is_resent_and_stored_once(page, live_server, demo, student):
    problem = Problem.objects.filter(skill__course=demo, answer_spec__kind="number").first()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    refused = []

    def overloaded_once(route):
        # The network answers the first POST as an overloaded server does; later ones pass.
        if not refused:
            refused.append(route.request.post_data)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")
        else:
            route.continue_()

    page.route(f"**/problems/{problem.pk}/answer/", overloaded_once)
    answer = page.locator("#answer-text")
    answer.fill("12")
    page.get_by_role("button", name="Check answer").click()
    page.get_by_text("Your answer is kept and is being sent again").wait_for(timeout=10_000)
    assert answer.input_value() == "12"
    page.wait_for_function(
        "() => !document.querySelector('#verdict').textContent.includes('being sent again')",
        timeout=15_000,
    )
    assert len(refused) == 1 and "answer=12" in refused[0]
    assert list(Attempt.objects.filter(learner=student).values_list("raw_input", flat=True)) == [
        "12"
    ]
