"""The next-problem policy on hand-made courses and states."""

import json
import random

from tutor.adaptive import (
    Attempt,
    CourseGraph,
    LearnerState,
    PolicyConfig,
    Problem,
    Skill,
    SkillState,
    choose_next,
    default_params,
    progress,
    update,
)
from tutor.adaptive.forgetting import DAY

NOW = 1_800_000_000.0


def course(threshold=None, n=20):
    skills = [
        Skill("a", "Adding"),
        Skill("b", "Subtracting", ("a",)),
        Skill("c", "Multiplying", ("b",)),
    ]
    problems = [Problem(f"{s.id}{i}", s.id, -2 + 4 * i / (n - 1)) for s in skills for i in range(n)]
    return CourseGraph(skills, problems, mastery_threshold=threshold)


def mastered(t=NOW - 60, stability=3.0):
    return SkillState(
        p_known=0.99,
        n=10,
        wins=10,
        last_t=t,
        stability=stability,
        mastered_t=t,
        solved=[f"x{k}" for k in range(10)],
    )


PARAMS = default_params(["a", "b", "c"])
NO_EXPLORE = PolicyConfig(explore=0.0)


def test_new_learner_starts_with_the_first_skill_and_says_why():
    ch = choose_next(LearnerState(), course(), PARAMS, NOW, 0, NO_EXPLORE)
    assert ch.skill == "a" and not ch.complete and ch.problem_id.startswith("a")
    assert "New learner" in ch.reason and "course order" in ch.reason
    assert abs(ch.predicted - 0.7) < 0.1
    json.dumps(ch.to_dict())  # storable with the attempt


def test_prerequisites_gate_and_course_order_is_followed():
    st = LearnerState(skills={"a": mastered()})
    ch = choose_next(st, course(), PARAMS, NOW, 0, NO_EXPLORE)
    assert ch.skill == "b" and "prerequisites are mastered" in ch.reason
    st = LearnerState(skills={"b": mastered()})  # b mastered but a not: a first
    assert choose_next(st, course(), PARAMS, NOW, 0, NO_EXPLORE).skill == "a"


def test_problem_closest_to_target_and_not_seen_recently():
    c = course()
    st = LearnerState()
    ch = choose_next(st, c, PARAMS, NOW, 0, NO_EXPLORE)
    st.recent = [(ch.problem_id, NOW)]
    ch2 = choose_next(st, c, PARAMS, NOW, 0, NO_EXPLORE)
    assert ch2.problem_id != ch.problem_id
    assert abs(ch2.predicted - 0.7) >= abs(ch.predicted - 0.7)
    # a different target moves the choice
    hard = choose_next(LearnerState(), c, PARAMS, NOW, 0, PolicyConfig(explore=0.0, target=0.45))
    assert hard.predicted < ch.predicted and abs(hard.predicted - 0.45) < 0.05


def test_all_problems_seen_recently_repeats_the_least_recent():
    c = course(n=3)
    st = LearnerState(recent=[("a1", 1.0), ("a0", 2.0), ("a2", 3.0)])
    ch = choose_next(st, c, PARAMS, NOW, 0, NO_EXPLORE)
    assert ch.problem_id == "a1" and "least recent" in ch.reason


def test_exploration_is_seeded_and_stays_near_the_target():
    c = course(n=40)
    cfg = PolicyConfig(explore=1.0)
    picks = [choose_next(LearnerState(), c, PARAMS, NOW, random.Random(s), cfg) for s in range(30)]
    again = [choose_next(LearnerState(), c, PARAMS, NOW, random.Random(s), cfg) for s in range(30)]
    assert [p.problem_id for p in picks] == [p.problem_id for p in again]
    assert len({p.problem_id for p in picks}) > 1
    assert all(p.kind == "explore" and abs(p.predicted - 0.7) <= 0.15 for p in picks)


def test_course_complete_is_explicit_and_names_the_next_review():
    st = LearnerState(skills={k: mastered() for k in "abc"})
    ch = choose_next(st, course(), PARAMS, NOW, 0)
    assert ch.complete and ch.problem_id is None and ch.kind == "complete"
    assert "Course complete" in ch.reason and "Next review" in ch.reason
    assert ch.details["next_review_at"] > NOW
    extra = choose_next(st, course(), PARAMS, NOW, 0, PolicyConfig(practice_when_complete=True))
    assert extra.complete and extra.problem_id is not None and extra.kind == "extra"


def test_mastered_skills_come_back_for_review_after_time_passes():
    st = LearnerState(n=3, skills={k: mastered() for k in "abc"})
    assert choose_next(st, course(), PARAMS, NOW, 0).complete
    later = NOW + 30 * DAY
    ch = choose_next(st, course(), PARAMS, later, 0)
    assert not ch.complete and ch.kind == "review" and "Review" in ch.reason
    # reviews are interleaved with new learning, not instead of it
    st2 = LearnerState(n=1, skills={"a": mastered()})
    assert choose_next(st2, course(), PARAMS, later, 0, NO_EXPLORE).skill == "b"
    st2.n = 3
    assert choose_next(st2, course(), PARAMS, later, 0, NO_EXPLORE).kind == "review"


def test_review_after_an_answer_resets_the_clock():
    c = course()
    st = LearnerState(n=3, skills={k: mastered() for k in "abc"})
    later = NOW + 30 * DAY
    ch = choose_next(st, c, PARAMS, later, 0)
    st = update(st, PARAMS, Attempt("u", ch.skill, ch.problem_id, True, later))
    assert st.skills[ch.skill].stability > 3.0  # a spaced review grows stability
    # the other two are still due; once all are reviewed the course is complete again
    for _ in range(2):
        ch = choose_next(st, c, PARAMS, later + 60, 0)
        assert ch.kind == "review"
        st = update(st, PARAMS, Attempt("u", ch.skill, ch.problem_id, True, later + 60))
    assert choose_next(st, c, PARAMS, later + 120, 0).complete


def test_per_course_threshold():
    solved = ["a1", "a2", "a3", "a4", "a5"]
    st = LearnerState(skills={"a": SkillState(p_known=0.9, n=5, wins=5, last_t=NOW, solved=solved)})
    assert choose_next(st, course(), PARAMS, NOW, 0).skill == "a"
    assert choose_next(st, course(threshold=0.85), PARAMS, NOW, 0).skill == "b"


def test_a_stuck_skill_is_set_aside_then_returned_to():
    skills = [Skill("a"), Skill("x")]  # independent skills
    c = CourseGraph(skills, [Problem(f"{s.id}{i}", s.id, 0.0) for s in skills for i in range(5)])
    st = LearnerState(skills={"a": SkillState(p_known=0.3, n=45, wins=15, last_t=NOW)})
    assert choose_next(st, c, PARAMS, NOW, 0).skill == "x"
    st.skills["x"] = mastered()
    ch = choose_next(st, c, PARAMS, NOW, 0)
    assert ch.skill == "a" and "still not mastered after 45" in ch.reason


def test_prerequisite_cycle_still_gives_a_problem():
    skills = [Skill("a", prerequisites=("b",)), Skill("b", prerequisites=("a",))]
    c = CourseGraph(skills, [Problem("a1", "a"), Problem("b1", "b")])
    assert any("cycle" in m for m in c.validate())
    ch = choose_next(LearnerState(), c, PARAMS, NOW, 0)
    assert ch.problem_id == "a1" and ch.kind == "fallback"


def test_skills_without_problems_are_skipped_and_do_not_block():
    skills = [Skill("empty"), Skill("a", prerequisites=("empty",))]
    c = CourseGraph(skills, [Problem("a1", "a")])
    assert any("no problems" in m for m in c.validate())
    assert choose_next(LearnerState(), c, PARAMS, NOW, 0).problem_id == "a1"
    empty = CourseGraph([Skill("s")], [])
    ch = choose_next(LearnerState(), empty, PARAMS, NOW, 0)
    assert ch.complete and ch.reason


def test_course_graph_round_trip_and_validation():
    c = course()
    assert c.validate() == []
    c2 = CourseGraph.from_dict(json.loads(json.dumps(c.to_dict())))
    assert c2.to_dict() == c.to_dict()
    bad = CourseGraph(
        [Skill("a", prerequisites=("zz",))],
        [Problem("p", "a"), Problem("p", "a"), Problem("q", "nope")],
    )
    msgs = " ".join(bad.validate())
    assert "zz" in msgs and "twice" in msgs and "nope" in msgs


def test_progress_rows_explain_each_status():
    st = LearnerState(
        skills={
            "a": mastered(t=NOW - 10 * DAY),
            "b": SkillState(p_known=0.5, n=3, wins=2, last_t=NOW),
        }
    )
    rows = {r.skill: r for r in progress(st, course(), PARAMS, NOW)}
    assert rows["a"].status == "review_due" and "review" in rows["a"].meaning
    assert rows["b"].status == "learning" and "95%" in rows["b"].meaning
    assert rows["c"].status == "not_started" and not rows["c"].ready
    assert rows["a"].strength < rows["a"].p_known
    json.dumps([r.to_dict() for r in rows.values()])


def test_every_model_option_works():
    for m in ("combined", "elo", "bkt"):
        ch = choose_next(LearnerState(), course(), PARAMS, NOW, 0, PolicyConfig(model=m))
        assert ch.problem_id and ch.details["model"] == m


def test_not_started_skills_have_no_estimate_and_locked_ones_say_why():
    st = LearnerState(skills={"a": SkillState(p_known=0.5, n=3, wins=2, last_t=NOW, solved=["a1"])})
    rows = {r.skill: r for r in progress(st, course(), PARAMS, NOW)}
    b = rows["b"]
    assert b.status == "not_started" and b.p_known is None and b.strength is None
    assert "%" not in b.meaning and b.meaning.startswith("Not started.")
    # locked, and it says by what and that opening it is a preview (never "opens once ...")
    assert not b.ready and b.locked_by == ["Adding"]
    assert "'Adding' must be mastered first" in b.meaning and "preview" in b.meaning
    assert rows["a"].ready and rows["a"].locked_by == [] and "Locked" not in rows["a"].meaning
    # a never-attempted first skill is ready and plainly not started
    fresh = {r.skill: r for r in progress(LearnerState(), course(), PARAMS, NOW)}
    assert fresh["a"].meaning == "Not started." and fresh["a"].p_known is None


def test_meaning_has_no_article_before_a_percentage():
    for pk in (0.18, 0.8, 0.11, 0.5):
        st = LearnerState(skills={"a": SkillState(p_known=pk, n=2, wins=1, last_t=NOW)})
        meaning = progress(st, course(), PARAMS, NOW)[0].meaning
        assert f"estimated at {100 * pk:.0f}%" in meaning
        assert " a 1" not in meaning and " a 8" not in meaning


def test_high_estimate_without_evidence_is_learning_and_says_what_is_missing():
    # P(known) above the threshold, but only two problems solved: not mastered anywhere
    s = SkillState(p_known=0.97, n=2, wins=2, last_t=NOW, solved=["a1", "a2"])
    st = LearnerState(skills={"a": s})
    row = progress(st, course(), PARAMS, NOW)[0]
    assert row.status == "learning" and row.evidence == 2 and row.evidence_needed == 3
    assert "3 problems solved first time without hints (2 so far)" in row.meaning
    assert choose_next(st, course(), PARAMS, NOW, 0, NO_EXPLORE).skill == "a"
    s3 = SkillState(p_known=0.97, n=3, wins=3, last_t=NOW, solved=["a1", "a2", "a3"])
    st3 = LearnerState(skills={"a": s3})
    assert progress(st3, course(), PARAMS, NOW)[0].status == "mastered"
    assert choose_next(st3, course(), PARAMS, NOW, 0, NO_EXPLORE).skill == "b"
