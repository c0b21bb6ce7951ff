"""A student's working stored with the attempt (issue 15): each line checked against the one
before, from the problem's start, through the checker pool; nothing typed is lost."""

from __future__ import annotations

import pytest

from curriculum.models import Problem
from tutor import services
from tutor.models import Attempt

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def problem(demo):
    p = Problem.objects.get(skill__course=demo, slug="two-step")
    p.answer_spec = SPEC
    p.save()
    return p


def test_working_is_checked_and_stored_with_the_attempt(student, problem):
    attempt, result = services.record_attempt(
        learner=student, problem=problem, raw_input="", working=["2x = 11 + 3", "x = 7"]
    )
    attempt.refresh_from_db()
    w = attempt.working
    assert w["typed"] == ["2x = 11 + 3", "x = 7"] and w["start"] == "2x + 3 = 11"
    assert [line["status"] for line in w["lines"]] == ["given", "wrong", "ok"]
    assert w["first_error"] == 1 and w["malrule"] == "sign_move"
    assert "changing its sign" in w["lines"][1]["message"]
    # no final answer typed: the last line is the answer
    assert attempt.raw_input == "x = 7" and attempt.verdict == Attempt.Verdict.WRONG

    attempt, result = services.record_attempt(
        learner=student,
        problem=problem,
        raw_input="x = 4",
        working=["2x = 11 - 3", "2x = 8", "x = 4"],
    )
    attempt.refresh_from_db()
    assert result.correct and attempt.working["correct"] is True
    assert attempt.working["first_error"] is None


def test_unreadable_or_too_long_working_is_kept_as_typed(student, problem):
    lines = ["2x = 8", "then halve it", "x = 4"]
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=lines
    )
    w = attempt.working
    assert w["typed"] == lines
    assert [line["status"] for line in w["lines"]] == ["given", "ok", "unreadable", "ok"]
    many = [f"x = {i}" for i in range(40)]
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=many
    )
    assert attempt.working["typed"] == many and "Too many lines" in attempt.working["error"]


def test_an_attempt_without_working_stores_none(student, problem):
    attempt, _ = services.record_attempt(learner=student, problem=problem, raw_input="4")
    assert attempt.working is None


def test_the_problem_page_has_a_work_area_and_the_verdict_shows_the_marks(client, student, problem):
    client.force_login(student)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="working"' in page and "Show your working" in page
    r = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "x = 7", "working": "2x = 11 + 3\nx = 7"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert "Your working" in html and "✗" in html and "changing its sign" in html
    r = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "x = 4", "working": "2x = 11 - 3\r\n2x = 8\r\nx = 4"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert "Correct" in html and html.count("✓") >= 3 and "✗" not in html
    assert Attempt.objects.filter(learner=student, problem=problem).latest("id").working["correct"]


def test_no_work_area_where_the_author_turned_it_off(client, student, problem):
    problem.answer_spec = {**SPEC, "options": {**SPEC["options"], "working": "off"}}
    problem.save()
    client.force_login(student)
    assert 'name="working"' not in client.get(f"/problems/{problem.pk}/").content.decode()


def test_the_teachers_drill_down_shows_the_working_with_its_marks(
    client, student, teacher, problem
):
    from tutor.models import Classroom

    classroom = Classroom.objects.get(join_code="TRYMATH7")
    services.record_attempt(
        learner=student, problem=problem, raw_input="x = 7", working=["2x = 11 + 3", "x = 7"]
    )
    client.force_login(teacher)
    html = client.get(f"/teach/classes/{classroom.pk}/students/{student.pk}/").content.decode()
    assert "Working: wrong from line 1 (sign_move)" in html
    assert "changing its sign" in html and "✗" in html


def test_the_work_area_reads_each_line_back_as_the_student_types(client, student, problem):
    client.force_login(student)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "working/preview/" in page  # the text area asks for the preview as it changes
    r = client.post(
        f"/problems/{problem.pk}/working/preview/",
        {"working": "2x = 11 - 3\n\n2x = 8 +\nx = 4"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.count("<li") == 3  # the blank line left out
    assert r"\(2 \, x = 11 - 3\)" in html and "ends too early" in html


def test_stored_working_is_bounded(student, problem):
    huge = ["x = " + "1" * 9000] * 50
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=huge
    )
    typed = attempt.working["typed"]
    assert len(typed) == 50 and sum(map(len, typed)) == services.MAX_STORED_INPUT
    assert attempt.working["error"]  # too long to check: kept, not judged


def _p_known(student, skill) -> tuple[float | None, int | None]:
    from tutor.models import LearnerSkill

    row = LearnerSkill.objects.filter(user=student, skill=skill).first()
    return (row.p_known, row.state["n"]) if row else (None, None)


def test_steps_feed_the_skills_they_exercise_once_and_weaker_than_an_answer(student, problem, demo):
    """A distributing slip in a two-step equation: the distributive skill is observed wrong
    (half an answer's weight, no answer counted), the problem's own skill only by the answer;
    a later attempt at the same problem counts nothing again."""
    from curriculum.models import Skill
    from tutor import learning
    from tutor.adaptive.bkt import step as bkt_step
    from tutor.adaptive.steps_evidence import STEP_WEIGHT, tempered_step

    problem.answer_spec = {**SPEC, "key": ["x = 2"], "options": {**SPEC["options"]}}
    problem.answer_spec["options"]["work_start"] = "3(x + 2) = 12"
    problem.save()
    # tutor/demo.py: "expressions" owns distributing and collecting terms
    distribute = Skill.objects.get(course=demo, slug="expressions")
    fractions = Skill.objects.get(course=demo, slug="fractions")
    own = problem.skill
    params = learning.active_params()
    prior = params.bkt_for(str(distribute.pk)).prior
    assert _p_known(student, distribute) == (None, None)

    attempt, _ = services.record_attempt(
        learner=student,
        problem=problem,
        raw_input="",
        working=["3x + 2 = 12", "3x = 10", "x = 10/3"],
    )
    assert attempt.working["malrule"] == "distribute_one_term"
    assert attempt.working["lines"][1]["concepts"] == ["distribute"]
    p, n = _p_known(student, distribute)
    expected = tempered_step(prior, False, params.bkt_for(str(distribute.pk)), STEP_WEIGHT)
    assert p == pytest.approx(expected) and n == 0  # evidence, but not an answer on it
    assert bkt_step(prior, False, params.bkt_for(str(distribute.pk))) < p < prior
    assert _p_known(student, own)[1] == 1  # the answer, counted once on the problem's skill
    assert _p_known(student, fractions) == (None, None)  # no fractions added in this working

    # Fixed after seeing the mark: not a first attempt, so neither answer nor steps count.
    services.record_attempt(
        learner=student,
        problem=problem,
        raw_input="x = 2",
        working=["3x + 6 = 12", "3x = 6", "x = 2"],
    )
    assert _p_known(student, distribute) == (p, 0)
    assert _p_known(student, own)[1] == 1


def test_right_steps_count_for_the_skill_they_exercise(student, other_student, problem, demo):
    """Distributing and collecting terms done right: evidence for "expressions", which owns
    both concepts in this course, counted once (half an answer), not once per line."""
    from curriculum.models import Skill
    from tutor import learning
    from tutor.adaptive.steps_evidence import STEP_WEIGHT, tempered_step
    from tutor.models import HintReveal

    problem.answer_spec = {**SPEC, "key": ["x = 2"], "options": {**SPEC["options"]}}
    problem.answer_spec["options"]["work_start"] = "3(x + 2) - x = 10"
    problem.save()
    expressions = Skill.objects.get(course=demo, slug="expressions")
    working = ["3x + 6 - x = 10", "2x + 6 = 10", "2x = 4", "x = 2"]
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 2", working=working
    )
    assert [v["concepts"] for v in attempt.working["lines"][1:3]] == [
        ["distribute"],
        ["collect_terms"],
    ]
    bkt = learning.active_params().bkt_for(str(expressions.pk))
    p, n = _p_known(student, expressions)
    assert p == pytest.approx(tempered_step(bkt.prior, True, bkt, STEP_WEIGHT)) and n == 0
    assert p > bkt.prior
    # the same working after a hint: the right steps do not count
    HintReveal.objects.create(learner=other_student, hint=problem.hints.first(), problem=problem)
    services.record_attempt(
        learner=other_student, problem=problem, raw_input="x = 2", working=working
    )
    assert _p_known(other_student, expressions) == (None, None)


def test_the_teachers_mastery_chart_replays_the_engines_own_update(student, problem, demo):
    """The drill-down's mastery over time replays the answers through the same rule as the live
    update (tutor.learning.apply_answer): it ends where the engine is, for the answer's skill
    and for the skill the working's steps gave evidence on."""
    from curriculum.models import Skill
    from tutor.dashboards.selectors.drilldown import mastery_over_time
    from tutor.models import Classroom

    problem.answer_spec = {**SPEC, "key": ["x = 2"], "options": {**SPEC["options"]}}
    problem.answer_spec["options"]["work_start"] = "3(x + 2) - x = 10"
    problem.save()
    working = ["3x + 6 - x = 10", "2x + 6 = 10", "2x = 4", "x = 2"]
    services.record_attempt(learner=student, problem=problem, raw_input="x = 2", working=working)
    classroom = Classroom.objects.filter(course=demo).first()
    traces = {t.skill.pk: t.points for t in mastery_over_time(student, classroom)}
    expressions = Skill.objects.get(course=demo, slug="expressions")
    assert expressions.pk != problem.skill_id and expressions.pk in traces
    for skill_id in (problem.skill_id, expressions.pk):
        assert traces[skill_id][-1][1] == pytest.approx(_p_known(student, skill_id)[0])
