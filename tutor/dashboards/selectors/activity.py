"""Recent work of a class: the newest answers, who needs help now (each with the reason in
words), and the errors that several students make in their working."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from inference.models import Generation
from tutor.models import Attempt, Classroom, User

# "Needs help now": what counts as stuck. Tuned for a lesson: recent, and a few of each.
WRONG_STREAK = 3  # this many wrong or partly correct answers in a row on one skill
RECENT_WINDOW = timedelta(minutes=60)  # flags look at this much recent work
IDLE_AFTER = timedelta(minutes=5)  # silent this long after a wrong answer in a session
SESSION_WINDOW = timedelta(minutes=30)  # ...where the last activity is newer than this
REPEATED_EXPLANATIONS = 3  # explanations asked for within RECENT_WINDOW
DISAGREE_WINDOW = timedelta(hours=24)  # an explanation that disagreed with the key, this recent
ACTIVITY_SIZE = 15
STREAK_ROWS_CAP = 5000  # recent attempts read for streaks; a lesson produces far fewer


@dataclass(frozen=True)
class Flag:
    student_id: int
    student_name: str
    kind: str  # wrong_streak | idle | explanations | disagrees
    text: str
    at: datetime | None = None


ACTIVITY_WINDOW = timedelta(days=14)


def _by_time(course_id: int, student_ids: list[int], since: datetime) -> QuerySet[Attempt]:
    """Attempts of these learners on this course since a time, for "the newest answers".

    The created_at index is the right way in, and SQLite would rather start from the learner
    or the course; `x + 0` cannot use an index, the classic planner hint.
    """
    return (
        Attempt.objects.filter(created_at__gte=since)
        .alias(
            learner_plain=F("learner_id") + 0,
            course_plain=F("problem__skill__course_id") + 0,
        )
        .filter(learner_plain__in=student_ids, course_plain=course_id)
    )


def recent_activity(
    classroom: Classroom, student_ids: list[int], *, limit: int = ACTIVITY_SIZE
) -> list[Attempt]:
    since = timezone.now() - ACTIVITY_WINDOW
    return list(
        _by_time(classroom.course_id, student_ids, since)
        .select_related("learner", "problem__skill")
        .order_by("-created_at", "-id")[:limit]
    )


def needs_help(
    classroom: Classroom, students: list[User], *, now: datetime | None = None
) -> list[Flag]:
    """Students who need help now, each with the reason in words: 2 queries."""
    now = now or timezone.now()
    names = {s.pk: s.username for s in students}
    student_ids = list(names)
    recent = list(
        _by_time(classroom.course_id, student_ids, now - RECENT_WINDOW)
        .order_by("-created_at", "-id")
        .values_list(
            "learner_id", "problem__skill_id", "problem__skill__name", "verdict", "created_at"
        )[:STREAK_ROWS_CAP]
    )
    flags: list[Flag] = []
    # Newest first: count each (student, skill)'s run of wrong answers until a correct one.
    streaks: dict[tuple[int, int], int] = defaultdict(int)
    closed: set[tuple[int, int]] = set()
    skill_names: dict[int, str] = {}
    latest: dict[int, tuple[str, datetime]] = {}
    for learner_id, skill_id, skill_name, verdict, at in recent:
        latest.setdefault(learner_id, (verdict, at))
        key = (learner_id, skill_id)
        skill_names[skill_id] = skill_name
        if key in closed or verdict == Attempt.Verdict.INVALID:
            continue  # an unreadable answer neither breaks nor extends a run
        if verdict in (Attempt.Verdict.WRONG, Attempt.Verdict.PARTIAL):
            streaks[key] += 1
        else:
            closed.add(key)
    for (learner_id, skill_id), n in streaks.items():
        if n >= WRONG_STREAK:
            flags.append(
                Flag(
                    learner_id,
                    names[learner_id],
                    "wrong_streak",
                    _("%(n)d wrong answers in a row on %(skill)s")
                    % {"n": n, "skill": skill_names[skill_id]},
                )
            )
    gens = {
        row["user_id"]: row
        for row in Generation.objects.filter(
            user_id__in=student_ids,
            problem__skill__course_id=classroom.course_id,
            created_at__gte=now - DISAGREE_WINDOW,
        )
        .values("user_id")
        .annotate(
            recent=Count("id", filter=Q(created_at__gte=now - RECENT_WINDOW)),
            disagrees=Count("id", filter=Q(answer_check=Generation.Check.DISAGREES)),
            # "Explain this step" whose own lines did not all follow (its answer may agree)
            wrong_steps=Count(
                "id",
                filter=Q(flagged=True) & ~Q(answer_check=Generation.Check.DISAGREES),
            ),
            last=Max("created_at"),
        )
        .order_by()
    }
    for learner_id, (verdict, at) in latest.items():
        last_gen = gens.get(learner_id, {}).get("last")
        last = max(at, last_gen) if last_gen else at
        idle = now - last
        if verdict != Attempt.Verdict.CORRECT and IDLE_AFTER <= idle < SESSION_WINDOW:
            flags.append(
                Flag(
                    learner_id,
                    names[learner_id],
                    "idle",
                    _("idle for %(n)d minutes after a wrong answer")
                    % {"n": int(idle.total_seconds() // 60)},
                    last,
                )
            )
    for learner_id, row in gens.items():
        if row["recent"] >= REPEATED_EXPLANATIONS:
            flags.append(
                Flag(
                    learner_id,
                    names[learner_id],
                    "explanations",
                    _("asked for %(n)d explanations in the last hour") % {"n": row["recent"]},
                    row["last"],
                )
            )
        if row["disagrees"]:
            flags.append(
                Flag(
                    learner_id,
                    names[learner_id],
                    "disagrees",
                    _("read an explanation that disagreed with the answer key"),
                    row["last"],
                )
            )
        if row["wrong_steps"]:
            flags.append(
                Flag(
                    learner_id,
                    names[learner_id],
                    "wrong_steps",
                    _("read an explanation with a step that does not follow (marked for them)"),
                    row["last"],
                )
            )
    return flags


# --- recurring errors in working (issue 15) ---------------------------------------------------

RECURRING_MIN_STUDENTS = 3  # this many students making one error in their working is a pattern
RECURRING_WINDOW = timedelta(days=14)  # ...in their working of this recent period
RECURRING_ROWS_CAP = 5000  # distinct (student, error, skill) rows read; a class makes far fewer

# How a teacher reads each malrule (curriculum.answers.malrules.CODES), after "N students".
ERROR_PHRASES = {
    "sign_move": "move a term to the other side without changing its sign",
    "distribute_one_term": "multiply only one term in brackets by the factor in front",
    "add_fractions": "add fractions by adding the tops and the bottoms",
    "divide_one_side": "divide (or multiply) only one side of an equation",
    "divide_one_term": "divide (or multiply) only some of the terms",
    "inequality_not_reversed": "keep the inequality sign when multiplying or dividing by a "
    "negative",
    "inequality_reversed_wrongly": "reverse the inequality sign without a negative factor",
    "dropped_solution": "lose a solution (such as the negative square root)",
    "order_of_operations": "work left to right instead of multiplying and dividing first",
    "term_sign": "lose a term's sign when collecting terms or factoring",
    "arithmetic_slip": "make an arithmetic slip in a step",
}


@dataclass(frozen=True)
class RecurringError:
    """One error (malrule) made in their working by several students of a class."""

    malrule: str
    students: list[str]  # usernames, sorted
    skills: list[str]  # where it happened (skill names, sorted)
    text: str

    @property
    def count(self) -> int:
        return len(self.students)


def recurring_errors(
    classroom: Classroom,
    students: list[User],
    *,
    now: datetime | None = None,
    min_students: int = RECURRING_MIN_STUDENTS,
) -> list[RecurringError]:
    """Errors the checker diagnosed at the first wrong line of at least ``min_students``
    students' working in this class's course within :data:`RECURRING_WINDOW`, most students
    first: 1 query (distinct student x error x skill rows, capped)."""
    now = now or timezone.now()
    names = {s.pk: s.username for s in students}
    rows = (
        _by_time(classroom.course_id, list(names), now - RECURRING_WINDOW)
        .filter(working__has_key="malrule")
        .exclude(working__malrule="")
        .values_list("learner_id", "working__malrule", "problem__skill__name")
        .order_by()
        .distinct()[:RECURRING_ROWS_CAP]
    )
    who: dict[str, set[int]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    for learner_id, malrule, skill_name in rows:
        if not isinstance(malrule, str) or malrule not in ERROR_PHRASES:
            continue  # a code from another version of the checker
        who[malrule].add(learner_id)
        where[malrule].add(skill_name)
    out = []
    for malrule, learners in who.items():
        if len(learners) < max(1, min_students):
            continue
        n = len(learners)
        out.append(
            RecurringError(
                malrule=malrule,
                students=sorted(names[i] for i in learners),
                skills=sorted(where[malrule]),
                text=f"{n} student{'s' if n != 1 else ''} {ERROR_PHRASES[malrule]}",
            )
        )
    return sorted(out, key=lambda e: (-e.count, e.malrule))
