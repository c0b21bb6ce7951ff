"""Reads for the teacher dashboards. Every function runs a fixed number of queries, whatever
the size of the class, the course or the attempt history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from curriculum.models import Problem, Skill
from inference.models import Generation
from tutor import adaptive, learning
from tutor.adaptive.mastery import LEARNING, MASTERED, NOT_STARTED, REVIEW_DUE
from tutor.models import Assignment, Attempt, Classroom, Enrollment, LearnerSkill, User
from tutor.selectors import (
    MASTERED_STATUSES,
    AssignedItem,
    assigned_items,
    first_correct,
    item_done,
    skill_state,
)

# "Needs help now": what counts as stuck. Tuned for a lesson: recent, and a few of each.
WRONG_STREAK = 3  # this many wrong or partly correct answers in a row on one skill
RECENT_WINDOW = timedelta(minutes=60)  # flags look at this much recent work
IDLE_AFTER = timedelta(minutes=5)  # silent this long after a wrong answer in a session
SESSION_WINDOW = timedelta(minutes=30)  # ...where the last activity is newer than this
REPEATED_EXPLANATIONS = 3  # explanations asked for within RECENT_WINDOW
DISAGREE_WINDOW = timedelta(hours=24)  # an explanation that disagreed with the key, this recent
ACTIVITY_SIZE = 15
STREAK_ROWS_CAP = 5000  # recent attempts read for streaks; a lesson produces far fewer

STRUGGLING_BELOW = 0.4  # P(known) under this, after some practice, reads "struggling"
STRUGGLING_AFTER = 3  # ...where "some practice" is this many answers the engine learned from


@dataclass(frozen=True)
class Level:
    key: str
    code: str  # the short text in each grid cell; the legend spells it out
    label: str
    description: str


# The legend, in order. Each cell shows its label in text, so colour is never the only cue.
LEVELS = [
    Level(
        NOT_STARTED,
        "–",
        gettext_lazy("Not started"),
        gettext_lazy("No readable answers on this skill yet."),
    ),
    Level(
        "struggling",
        pgettext_lazy("mastery level code", "S"),
        gettext_lazy("Struggling"),
        format_lazy(
            gettext_lazy(
                "At least {n} answers, and the estimated chance of knowing it is still under {pct}."
            ),
            n=STRUGGLING_AFTER,
            pct=f"{STRUGGLING_BELOW:.0%}",
        ),
    ),
    Level(
        LEARNING,
        pgettext_lazy("mastery level code", "L"),
        gettext_lazy("Learning"),
        gettext_lazy("Practising; not yet at the mastery threshold."),
    ),
    Level(
        MASTERED,
        pgettext_lazy("mastery level code", "M"),
        gettext_lazy("Mastered"),
        gettext_lazy(
            "At or above the mastery threshold, with enough problems solved first time without "
            "hints."
        ),
    ),
    Level(
        REVIEW_DUE,
        pgettext_lazy("mastery level code", "R"),
        gettext_lazy("Review due"),
        gettext_lazy("Mastered, but recall has faded; a short review is due."),
    ),
]
LEVEL_BY_KEY = {level.key: level for level in LEVELS}


@dataclass
class Cell:
    student_id: int
    skill_id: int
    level: Level
    p_known: float | None
    attempts: int = 0
    correct: int = 0
    last_at: datetime | None = None

    @property
    def percent(self) -> str:
        return "" if self.p_known is None else f"{100 * self.p_known:.0f}%"

    @property
    def sort_value(self) -> float:
        return -1.0 if self.p_known is None else self.p_known

    def html(self, *, oob: bool = False) -> SafeString:
        """The grid cell. Built here with plain escaping, not by a template include or
        format_html: 1,200 cells cost half a second that way and a few milliseconds this way."""
        level = self.level
        pct = self.percent
        label = str(level.label)
        estimate = _(": estimated %(pct)s chance of knowing it") % {"pct": pct} if pct else ""
        answers = ngettext(
            "%(n)d answer, %(correct)d correct", "%(n)d answers, %(correct)d correct", self.attempts
        ) % {"n": self.attempts, "correct": self.correct}
        title = f"{label}{estimate}; {answers}"
        swap = ' hx-swap-oob="true"' if oob else ""
        pct_html = f' <span class="lvl-pct">{pct}</span>' if pct else ""
        return mark_safe(
            f'<td id="cell-{int(self.student_id)}-{int(self.skill_id)}" '
            f'class="lvl lvl-{escape(level.key)}"{swap} title="{escape(title)}">'
            f'<span aria-hidden="true" class="lvl-code">{escape(str(level.code))}</span>'
            f'<span class="sr-only">{escape(label)}</span>{pct_html}</td>'
        )

    @property
    def oob_html(self) -> SafeString:
        return self.html(oob=True)


@dataclass(frozen=True)
class Flag:
    student_id: int
    student_name: str
    kind: str  # wrong_streak | idle | explanations | disagrees
    text: str
    at: datetime | None = None


@dataclass
class StudentRow:
    student: User
    cells: list[Cell]
    flags: list[Flag] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(c.attempts for c in self.cells)

    @property
    def cells_html(self) -> SafeString:
        return mark_safe("".join(c.html() for c in self.cells))

    @property
    def mastered(self) -> int:
        return sum(c.level.key in MASTERED_STATUSES for c in self.cells)

    @property
    def mean_mastery(self) -> float:
        values = [c.p_known for c in self.cells if c.p_known is not None]
        return sum(values) / len(self.cells) if values and self.cells else 0.0

    @property
    def last_at(self) -> datetime | None:
        times = [c.last_at for c in self.cells if c.last_at is not None]
        return max(times) if times else None


@dataclass
class SkillSummary:
    skill: Skill
    attempts: int
    correct: int
    started: int
    mastered: int
    students: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    @property
    def share_mastered(self) -> float:
        return self.mastered / self.students if self.students else 0.0

    mean_p: float = 0.0


@dataclass
class ClassDashboard:
    classroom: Classroom
    skills: list[Skill]
    rows: list[StudentRow]
    summaries: list[SkillSummary]
    flags: list[Flag]
    activity: list[Attempt]
    threshold: float
    sort: str
    direction: str
    columns: str
    assignments: list[AssignmentProgress] = field(default_factory=list)
    min_evidence: int = 0
    recurring: list[RecurringError] = field(
        default_factory=list
    )  # errors in working  # first-attempt successes on distinct problems that mastery needs

    @property
    def assignment_rows(self) -> list[tuple[User, SafeString]]:
        """The progress table: per student (roster order), a cell per assignment."""
        if not self.assignments:
            return []
        columns = [a.students for a in self.assignments]
        return [
            (progress[0].student, mark_safe("".join(p.html() for p in progress)))
            for progress in zip(*columns, strict=True)
        ]

    @property
    def skill_headers(self) -> list[tuple[Skill, str]]:
        """Each column's skill with its sort key (``skill-<id>``)."""
        return [(skill, f"skill-{skill.pk}") for skill in self.skills]


def enrolled_student(classroom: Classroom, student_id: int) -> User | None:
    return User.objects.filter(pk=student_id, enrollments__classroom=classroom).first()


# --- the grid -------------------------------------------------------------------------------


def course_skills(classroom: Classroom) -> list[Skill]:
    return list(Skill.objects.filter(course_id=classroom.course_id).order_by("order", "id"))


def roster(classroom: Classroom) -> list[User]:
    return [
        e.student
        for e in Enrollment.objects.filter(classroom=classroom)
        .select_related("student")
        .order_by("student__username")
    ]


def _level(
    state: dict | None, p_known: float | None, params: adaptive.ModelParams, now: float
) -> Level:
    """The engine's own status rule (``tutor.adaptive.skill_status``, the one the course page and
    the policy use), plus "struggling" for teachers."""
    s = skill_state(state, p_known)
    key, _unused = adaptive.skill_status(s, params.mastery.threshold, params.mastery, now)
    if key == LEARNING and s.n >= STRUGGLING_AFTER and s.p_known < STRUGGLING_BELOW:
        key = "struggling"
    return LEVEL_BY_KEY[key]


def cells_for(
    classroom: Classroom,
    student_ids: list[int],
    skills: list[Skill],
    *,
    now: datetime | None = None,
    params: adaptive.ModelParams | None = None,
    answered_from: datetime | None = None,
    answered_before: datetime | None = None,
) -> dict[tuple[int, int], Cell]:
    """The grid cells of these students × skills: 5 queries (parameters unless given, states,
    problems, attempt counts, times of the latest attempts)."""
    now = now or timezone.now()
    params = params or learning.active_params()
    skill_ids = [s.pk for s in skills]
    states = {
        (user_id, skill_id): (state, p)
        for user_id, skill_id, state, p in LearnerSkill.objects.filter(
            user_id__in=student_ids, skill_id__in=skill_ids
        ).values_list("user_id", "skill_id", "state", "p_known")
    }
    # Every answer counts here (the engine only learns from first answers). Grouping by
    # (learner, problem) keeps this an index-only scan of the (learner, problem, verdict) index;
    # problems are summed into skills below, and the newest id stands for the newest time.
    skill_of = dict(Problem.objects.filter(skill_id__in=skill_ids).values_list("id", "skill_id"))
    answers = Attempt.objects.filter(learner_id__in=student_ids)
    if answered_from:
        answers = answers.filter(created_at__gte=answered_from)
    if answered_before:
        answers = answers.filter(created_at__lt=answered_before)
    counts: dict[tuple[int, int], list[int]] = {}
    for learner_id, problem_id, n, ok, last_id in (
        answers.values_list("learner_id", "problem_id")
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(verdict=Attempt.Verdict.CORRECT)),
            last=Max("id"),
        )
        .order_by()
    ):
        skill_id = skill_of.get(problem_id)
        if skill_id is None:
            continue  # another course's problem
        agg = counts.setdefault((learner_id, skill_id), [0, 0, 0])
        agg[0] += n
        agg[1] += ok
        agg[2] = max(agg[2], last_id)
    last_times = dict(
        Attempt.objects.filter(pk__in=[agg[2] for agg in counts.values()]).values_list(
            "id", "created_at"
        )
    )
    ts = now.timestamp()
    cells = {}
    for sid in student_ids:
        for skill_id in skill_ids:
            state, p = states.get((sid, skill_id), (None, None))
            agg = counts.get((sid, skill_id))
            level = _level(state, p, params, ts)
            cells[(sid, skill_id)] = Cell(
                student_id=sid,
                skill_id=skill_id,
                level=level,
                # no estimate is shown for a skill the engine has not seen an answer on
                p_known=None if level.key == NOT_STARTED else p,
                attempts=agg[0] if agg else 0,
                correct=agg[1] if agg else 0,
                last_at=last_times.get(agg[2]) if agg else None,
            )
    return cells


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


def skill_summaries(
    skills: list[Skill], student_ids: list[int], cells: dict[tuple[int, int], Cell]
) -> list[SkillSummary]:
    """Per skill: attempts, accuracy, how many started and mastered it (no queries)."""
    out = []
    for skill in skills:
        column = [cells[(sid, skill.pk)] for sid in student_ids]
        out.append(
            SkillSummary(
                skill=skill,
                attempts=sum(c.attempts for c in column),
                correct=sum(c.correct for c in column),
                started=sum(c.level.key != NOT_STARTED for c in column),
                mastered=sum(c.level.key in MASTERED_STATUSES for c in column),
                students=len(column),
                mean_p=sum(c.p_known or 0.0 for c in column) / len(column) if column else 0.0,
            )
        )
    return out


SORTS = ("name", "mastery", "attempts", "active", "flags")


def _row_key(sort: str, skill_id: int | None) -> Callable[[StudentRow], object]:
    def key(row: StudentRow):
        if skill_id is not None:
            return next(c.sort_value for c in row.cells if c.skill_id == skill_id)
        if sort == "mastery":
            return row.mean_mastery
        if sort == "attempts":
            return row.attempts
        if sort == "active":
            return row.last_at.timestamp() if row.last_at else 0.0
        if sort == "flags":
            return len(row.flags)
        return row.student.username.lower()

    return key


def class_dashboard(
    classroom: Classroom,
    *,
    sort: str = "name",
    direction: str = "asc",
    columns: str = "course",
    now: datetime | None = None,
) -> ClassDashboard:
    """Everything the class dashboard shows, in a fixed number of queries (about 9)."""
    now = now or timezone.now()
    params = learning.active_params()
    skills = course_skills(classroom)
    students = roster(classroom)
    student_ids = [s.pk for s in students]
    cells = cells_for(classroom, student_ids, skills, now=now, params=params)
    flags = needs_help(classroom, students, now=now)
    summaries = skill_summaries(skills, student_ids, cells)
    if columns == "weakest":
        # Hardest skills first: lowest mean estimated mastery in this class.
        order = sorted(range(len(skills)), key=lambda i: (summaries[i].mean_p, i))
        skills = [skills[i] for i in order]
        summaries = [summaries[i] for i in order]
    else:
        columns = "course"
    flags_by_student: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        flags_by_student[flag.student_id].append(flag)
    rows = [
        StudentRow(
            student=s,
            cells=[cells[(s.pk, skill.pk)] for skill in skills],
            flags=flags_by_student.get(s.pk, []),
        )
        for s in students
    ]
    skill_id = None
    if sort.startswith("skill-") and sort[6:].isdigit():
        skill_id = int(sort[6:])
        if skill_id not in {s.pk for s in skills}:
            sort, skill_id = "name", None
    elif sort not in SORTS:
        sort = "name"
    direction = "desc" if direction == "desc" else "asc"
    rows.sort(key=_row_key(sort, skill_id), reverse=direction == "desc")
    return ClassDashboard(
        classroom=classroom,
        skills=skills,
        rows=rows,
        summaries=summaries,
        flags=sorted(flags, key=lambda f: (f.student_name, f.kind)),
        activity=recent_activity(classroom, student_ids),
        threshold=params.mastery.threshold,
        min_evidence=params.mastery.min_evidence,
        sort=sort,
        direction=direction,
        columns=columns,
        assignments=assignment_progress(classroom, students, cells, now=now),
        recurring=recurring_errors(classroom, students, now=now),
    )


def student_row(classroom: Classroom, student: User, *, now: datetime | None = None) -> StudentRow:
    """One student's row of the grid (for live updates): 5 queries."""
    skills = course_skills(classroom)
    cells = cells_for(classroom, [student.pk], skills, now=now)
    return StudentRow(student=student, cells=[cells[(student.pk, s.pk)] for s in skills])


def skill_summary(classroom: Classroom, skill: Skill, student_ids: list[int]) -> SkillSummary:
    cells = cells_for(classroom, student_ids, [skill])
    return skill_summaries([skill], student_ids, cells)[0]


# --- one student ----------------------------------------------------------------------------


TIMELINE_PAGE = 100


def student_attempts(student: User, classroom: Classroom) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .select_related("problem__skill")
        .order_by("-created_at", "-id")
    )


def student_explanations(student: User, classroom: Classroom) -> list[Generation]:
    return list(
        Generation.objects.filter(user=student, problem__skill__course_id=classroom.course_id)
        .select_related("problem__skill")
        .defer("prompt", "text")
        .order_by("-created_at")[:100]
    )


@dataclass
class DayPoint:
    day: date
    attempts: int
    correct: int
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


def student_days(student: User, classroom: Classroom) -> list[DayPoint]:
    """Per day: answers, correct answers and time on task (the sum of time taken)."""
    rows = (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .values_list("created_at", "verdict", "time_taken_ms")
        .order_by("created_at")
    )
    days: dict[date, DayPoint] = {}
    for at, verdict, ms in rows.iterator(chunk_size=2000):
        d = timezone.localdate(at)
        point = days.get(d) or days.setdefault(d, DayPoint(d, 0, 0, 0.0))
        point.attempts += 1
        point.correct += verdict == Attempt.Verdict.CORRECT
        # A single answer longer than 30 minutes is someone away, not working.
        point.seconds += min(ms or 0, 30 * 60 * 1000) / 1000
    return list(days.values())


@dataclass
class MasteryTrace:
    skill: Skill
    points: list[tuple[datetime, float]]


def mastery_over_time(student: User, classroom: Classroom) -> list[MasteryTrace]:
    """Estimated P(known) per skill after each answer the engine learned from, replayed with
    today's parameters (the engine stores only the current state)."""
    skills = {s.pk: s for s in course_skills(classroom)}
    params = learning.active_params()
    rows = (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .exclude(verdict=Attempt.Verdict.INVALID)
        .order_by("created_at", "id")
        .values_list(
            "problem_id",
            "problem__skill_id",
            "verdict",
            "hints_used",
            "created_at",
            "problem__difficulty",
        )
    )
    state = adaptive.LearnerState.from_rows({"learner": str(student.pk)}, {})
    seen: set[int] = set()
    traces: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for problem_id, skill_id, verdict, hints, at, difficulty in rows.iterator(chunk_size=2000):
        if problem_id in seen:
            continue  # as in tutor.learning: only the first readable answer counts
        seen.add(problem_id)
        state = adaptive.update(
            state,
            params,
            adaptive.Attempt(
                learner=str(student.pk),
                skill=str(skill_id),
                item=str(problem_id),
                correct=verdict == Attempt.Verdict.CORRECT and hints == 0,
                t=at.timestamp(),
                difficulty=difficulty,
            ),
        )
        traces[skill_id].append((at, state.skills[str(skill_id)].p_known))
    return [MasteryTrace(skills[k], v) for k, v in traces.items() if k in skills]


# --- assignments ----------------------------------------------------------------------------


@dataclass
class StudentProgress:
    student: User
    done_items: int
    total: int
    overdue: bool

    @property
    def done(self) -> bool:
        return self.done_items == self.total

    @property
    def status(self) -> tuple[str, str]:
        if self.done:
            return "done", _("Done")
        if self.overdue:
            return "overdue", _("Overdue")
        return ("open", _("In progress")) if self.done_items else ("open", _("Not started"))

    def html(self) -> SafeString:
        """One cell of the progress table, built like Cell.html: 40 students × 8 assignments
        through template tags cost ~70 ms, this a few."""
        key, word = self.status
        return mark_safe(
            f'<td class="status-{key}">'
            + escape(_("%(n)d of %(total)d") % {"n": self.done_items, "total": self.total})
            + f": {escape(str(word))}</td>"
        )


@dataclass
class AssignmentProgress:
    assignment: Assignment
    items: list[AssignedItem]
    students: list[StudentProgress]
    now: datetime

    @property
    def past_due(self) -> bool:
        return self.assignment.due_at is not None and self.assignment.due_at < self.now

    @property
    def done_count(self) -> int:
        return sum(p.done for p in self.students)

    @property
    def overdue_count(self) -> int:
        return sum(p.overdue for p in self.students)

    @property
    def skills(self) -> list[AssignedItem]:
        return [i for i in self.items if i.kind == "skill"]

    @property
    def problems(self) -> list[AssignedItem]:
        return [i for i in self.items if i.kind == "problem"]


def class_assignments(classroom: Classroom) -> list[Assignment]:
    # Due first, soonest first; no due date last (on every database).
    return list(
        classroom.assignments.order_by(F("due_at").asc(nulls_last=True), "id").select_related(
            "created_by"
        )
    )


def assignment_progress(
    classroom: Classroom,
    students: list[User],
    cells: dict[tuple[int, int], Cell],
    *,
    now: datetime | None = None,
) -> list[AssignmentProgress]:
    """Each assignment of the class with every student's progress: 4 queries, whatever the
    number of students or assignments. Skills count as done by the grid's own cells."""
    now = now or timezone.now()
    assignments = class_assignments(classroom)
    items = assigned_items(assignments)
    student_ids = [s.pk for s in students]
    problem_ids = {i.pk for its in items.values() for i in its if i.kind == "problem"}
    solved = first_correct(student_ids, problem_ids)

    def mastered(student_id: int, skill_id: int) -> bool:
        cell = cells.get((student_id, skill_id))
        return cell is not None and cell.level.key in MASTERED_STATUSES

    out = []
    for a in assignments:
        its = items.get(a.pk, [])
        past_due = a.due_at is not None and a.due_at < now
        progress = []
        for s in students:
            n = sum(item_done(i, s.pk, a.due_at, mastered, solved) for i in its)
            progress.append(StudentProgress(s, n, len(its), overdue=past_due and n < len(its)))
        out.append(AssignmentProgress(a, its, progress, now))
    return out
