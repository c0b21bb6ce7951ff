"""Live updates through the real ASGI app and the real Redis channel layer: a student's answer,
recorded by the real service, reaches the teacher's socket as htmx fragments."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from curriculum.models import Problem
from tests.dashboards.helpers import class_socket, ws_headers
from tutor import services
from tutor.models import Classroom

pytestmark = pytest.mark.django_db(transaction=True)


async def _receive_all(comm, n: int, timeout: float = 5) -> list[str]:
    return [await comm.receive_from(timeout=timeout) for _ in range(n)]


async def test_an_answer_updates_the_teachers_open_dashboard(demo, teacher, student):
    classroom = await Classroom.objects.aget(join_code="TRYMATH7")
    problem = await Problem.objects.select_related("skill").aget(
        skill__course=demo, slug="add-negatives"
    )
    comm = class_socket(classroom.pk, await sync_to_async(ws_headers)(teacher))
    assert (await comm.connect())[0]

    await sync_to_async(services.record_attempt)(
        learner=student, problem=problem, raw_input="-5", time_taken_ms=4000
    )
    # From the commit (the answer is stored and checked) to the fragments on the socket.
    loop = asyncio.get_running_loop()
    start = loop.time()
    row, skill, panels = await _receive_all(comm, 3)
    elapsed = loop.time() - start
    await comm.disconnect()

    cell = f'id="cell-{student.pk}-{problem.skill_id}"'
    assert cell in row and 'hx-swap-oob="true"' in row
    assert f'id="row-{student.pk}-summary"' in row
    assert "1 answer" in row  # the student's totals
    assert f'<tr id="skill-summary-{problem.skill_id}" hx-swap-oob="true">' in skill
    assert 'id="needs-help"' in panels
    assert '<ol id="activity" hx-swap-oob="afterbegin">' in panels
    assert "<code>-5</code>" in panels and "Wrong" in panels
    assert elapsed < 1.0


async def test_answers_in_another_course_or_class_send_nothing(demo, teacher, other_student):
    classroom = await Classroom.objects.aget(join_code="TRYMATH7")
    problem = await Problem.objects.aget(skill__course=demo, slug="add-negatives")
    comm = class_socket(classroom.pk, await sync_to_async(ws_headers)(teacher))
    assert (await comm.connect())[0]
    # other_student is in no class: nobody's dashboard hears about their answer.
    await sync_to_async(services.record_attempt)(
        learner=other_student, problem=problem, raw_input="5"
    )
    assert await comm.receive_nothing(timeout=1.0)
    # An event naming an attempt outside this class (as a forged group message would) is
    # dropped by the consumer rather than rendered.
    from channels.layers import get_channel_layer

    attempt_id = await sync_to_async(lambda: other_student.attempts.get().pk)()
    await get_channel_layer().group_send(
        f"classroom.{classroom.pk}", {"type": "attempt.recorded", "attempt_id": attempt_id}
    )
    assert await comm.receive_nothing(timeout=1.0)
    await comm.disconnect()


async def test_a_class_handed_to_another_teacher_closes_the_old_socket(demo, teacher, student):
    classroom = await Classroom.objects.aget(join_code="TRYMATH7")
    problem = await Problem.objects.aget(skill__course=demo, slug="add-negatives")
    comm = class_socket(classroom.pk, await sync_to_async(ws_headers)(teacher))
    assert (await comm.connect())[0]
    successor = await sync_to_async(services.create_teacher)(
        username="successor", email="s@example.com", password="pw-successor-1"
    )
    classroom.teacher = successor
    await classroom.asave(update_fields=["teacher"])
    await sync_to_async(services.record_attempt)(learner=student, problem=problem, raw_input="5")
    output = await comm.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4403}


async def test_a_recurring_error_in_working_reaches_the_open_dashboard(demo, teacher, student):
    """Issue 15: the third student making the same error in their working makes it a
    class-wide recurring error, pushed to the teacher's open dashboard with that answer."""
    from tutor.models import Enrollment, User

    classroom = await Classroom.objects.aget(join_code="TRYMATH7")
    problem = await Problem.objects.filter(skill__course_id=classroom.course_id).afirst()
    problem.answer_spec = {
        "kind": "inequality",
        "key": ["x > -3"],
        "options": {"task": "solve", "working": "allow", "work_start": "-2x + 1 < 7"},
    }
    await problem.asave()

    def enrol(name: str):
        user = User.objects.create_user(username=name, password="pw-123456789")
        Enrollment.objects.create(classroom=classroom, student=user)
        return user

    learners = [student] + [await sync_to_async(enrol)(n) for n in ("ann", "bob")]
    comm = class_socket(classroom.pk, await sync_to_async(ws_headers)(teacher))
    assert (await comm.connect())[0]
    pushed = []
    for learner in learners:
        await sync_to_async(services.record_attempt)(
            learner=learner, problem=problem, raw_input="", working=["-2x < 6", "x < -3"]
        )
        pushed.append(await _receive_all(comm, 4))  # the usual three and the recurring card
    await comm.disconnect()
    cards = [messages[3] for messages in pushed]
    assert all(
        'id="recurring-errors" class="card recurring-errors" hx-swap-oob="true"' in c for c in cards
    )
    assert '<span class="count">(0)</span>' in cards[1]  # two students: not yet a pattern
    assert '<span class="count">(1)</span>' in cards[2]
    assert (
        "3 students keep the inequality sign when multiplying or dividing by a negative" in cards[2]
    )
