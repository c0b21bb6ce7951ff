"""The mastery grid: the class's students and skills, each cell's level by the engine's one
status rule, the grid's rows and the per-skill summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from curriculum.models import Problem, Skill
from tutor import adaptive, learning
from tutor.adaptive.mastery import LEARNING, MASTERED, NOT_STARTED, REVIEW_DUE
from tutor.dashboards.selectors.activity import Flag
from tutor.models import Attempt, Classroom, Enrollment, LearnerSkill, User
from tutor.selectors import MASTERED_STATUSES, skill_state

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


def enrolled_student(classroom: Classroom, student_id: int) -> User | None:
    return User.objects.filter(pk=student_id, enrollments__classroom=classroom).first()


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
