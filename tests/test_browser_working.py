"""The work area end to end in headless Chromium (issue 15): a student types three lines with
a sign error on the second, sees the mark and the message, fixes it and is marked correct;
the teacher's drill-down shows the working."""

from __future__ import annotations

import re

import pytest

from curriculum.models import Problem
from tutor.models import Attempt, Classroom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEC = {
    "kind": "equation",
    "key": ["x = 4"],
    "options": {
        "task": "solve",
        "allow_value_for_equation": True,
        "working": "allow",
        "work_start": "2x + 3 = 11",
    },
}


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"{live_server.url}/(?!accounts/login).*"))


def test_student_fixes_a_sign_error_in_the_working(page, live_server, demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="two-step")
    problem.answer_spec = SPEC
    problem.save()
    _log_in(page, live_server, "demo-student")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    page.get_by_text("Show your working").click()
    working = page.locator("#working-text")
    working.fill("2x + 3 = 11\n2x = 11 + 3\nx = 7")
    # each line is read back, typeset, while the student types
    page.locator("#working-preview .katex").nth(2).wait_for()
    assert page.locator("#working-preview li").count() == 3
    page.locator("#answer-text").fill("x = 7")
    page.get_by_role("button", name="Check answer").click()
    wrong = page.locator("#verdict .work-wrong")
    wrong.wait_for()
    assert "changing its sign" in wrong.inner_text()
    assert page.locator("#verdict .work-ok").count() == 2  # the first and the third line
    page.locator("#verdict .working .katex").first.wait_for()  # each line read back typeset
    assert working.input_value() == "2x + 3 = 11\n2x = 11 + 3\nx = 7"  # nothing typed is lost

    working.fill("2x + 3 = 11\n2x = 11 - 3\nx = 4")
    page.locator("#answer-text").fill("x = 4")
    page.get_by_role("button", name="Check answer").click()
    page.locator("#verdict .verdict-correct").wait_for()
    assert page.locator("#verdict .work-wrong").count() == 0
    assert page.locator("#verdict .work-ok").count() == 3
    attempts = Attempt.objects.filter(learner=student, problem=problem).order_by("id")
    assert [a.working["first_error"] for a in attempts] == [2, None]

    page.context.clear_cookies()
    _log_in(page, live_server, "demo-teacher")
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    page.goto(f"{live_server.url}/teach/classes/{classroom.pk}/students/{student.pk}/")
    page.get_by_text("Working: wrong from line 2 (sign_move)").click()
    opened = page.locator(".drill-working", has_text="wrong from line 2")
    assert "changing its sign" in opened.inner_text()
    assert "every step right" in page.locator(".drill-working").first.inner_text()  # newest


def test_lines_of_working_from_the_math_keyboard(page, live_server, demo, student):
    """The work area's math field adds a line at a time (button or Enter); the lines are read
    back and checked like typed ones."""
    problem = Problem.objects.get(skill__course=demo, slug="two-step")
    problem.answer_spec = SPEC
    problem.save()
    _log_in(page, live_server, "demo-student")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    page.get_by_text("Show your working").click()
    field = page.locator("#working-math")
    field.wait_for(state="visible")  # shown once MathLive is loaded
    field.evaluate("el => el.setValue('2x=8')")
    page.get_by_role("button", name="Add this line").click()
    # The second line by Enter in the field (MathLive takes typed keys in asynchronously and a
    # busy machine can deliver Enter before them, so the line is put in the field directly).
    field.evaluate("el => el.setValue('x=4')")
    field.press("Enter")
    working = page.locator("#working-text")
    page.wait_for_function(
        "() => document.querySelector('#working-text').value.split('\\n').length === 2"
    )
    assert working.input_value() == "2x=8\nx=4"
    page.locator("#working-preview .katex").nth(1).wait_for()  # read back, typeset
    assert field.evaluate("el => el.getValue('latex')") == ""  # ready for the next line
    page.locator("#answer-text").fill("x = 4")
    page.get_by_role("button", name="Check answer").click()
    page.locator("#verdict .verdict-correct").wait_for()
    assert page.locator("#verdict .work-ok").count() == 2
    attempt = Attempt.objects.get(learner=student, problem=problem)
    assert attempt.working["typed"] == ["2x=8", "x=4"] and attempt.working["correct"]
