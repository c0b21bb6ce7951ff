"""The adaptive engine inside the product: learner state rows, the active parameters, the
course graph, the next-problem choice and the nightly refit.

`tutor.adaptive` is the pure library; this module feeds it rows and stores what it returns.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from curriculum.models import Course, Problem, Skill
from tutor import adaptive
from tutor.adaptive import steps_evidence
from tutor.models import AdaptiveModel, Attempt, LearnerProfile, LearnerSkill, User

_lock = threading.Lock()
_params_cache: dict[str, adaptive.ModelParams] = {}
_graph_cache: dict[tuple, adaptive.CourseGraph] = {}
_default_built = [-1e9]  # monotonic time the cached curriculum defaults were built
DEFAULTS_TTL_S = 60.0


# --- parameters -----------------------------------------------------------------------------


def active_params() -> adaptive.ModelParams:
    """The active fitted parameters (cold-start defaults before the first fit), cached per
    process and reloaded when another process activates a new version."""
    row = AdaptiveModel.objects.filter(is_active=True).only("version").first()
    key = row.version if row else "default"
    with _lock:
        cached = _params_cache.get(key)
        # before the first fit the defaults come from the curriculum: rebuilt once a minute at
        # most (no extra queries per request), so newly loaded content is picked up
        fresh = row is not None or time.monotonic() - _default_built[0] < DEFAULTS_TTL_S
    if cached is not None and fresh:
        return cached
    if row is None:
        params = curriculum_defaults()
        _default_built[0] = time.monotonic()
    else:
        params = adaptive.ModelParams.from_dict(
            AdaptiveModel.objects.values_list("params", flat=True).get(pk=row.pk)
        )
    with _lock:
        _params_cache.clear()
        _params_cache[key] = params
    return params


def curriculum_defaults() -> adaptive.ModelParams:
    """Cold-start parameters: every skill gets a BKT prior from its problems' authored difficulty
    (``adaptive.default_params(course=...)``) over all courses at once, in 3 queries."""
    skills = list(
        Skill.objects.order_by("course_id", "order", "id").prefetch_related("prerequisites")
    )
    problems = Problem.objects.filter(is_active=True, skill__is_active=True).values_list(
        "id", "skill_id", "difficulty"
    )
    graph = adaptive.CourseGraph(
        skills=[
            adaptive.Skill(str(s.pk), s.name, tuple(str(p.pk) for p in s.prerequisites.all()))
            for s in skills
        ],
        problems=[adaptive.Problem(str(pk), str(skill), diff) for pk, skill, diff in problems],
        name="all courses",
    )
    return adaptive.default_params(course=graph)


def refit(*, forgets: bool = False) -> AdaptiveModel:
    """Fit every model from all first attempts and activate the result atomically."""
    rows = list(
        _first_attempts().values_list(
            "learner_id",
            "problem__skill_id",
            "problem_id",
            "verdict",
            "created_at",
            "problem__difficulty",
        )
    )
    table = adaptive.AttemptTable.from_columns(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] == Attempt.Verdict.CORRECT for r in rows],
        [r[4].timestamp() for r in rows],
        [r[5] for r in rows],
    )
    priors = dict(Problem.objects.filter(is_active=True).values_list("id", "difficulty"))
    active = AdaptiveModel.objects.filter(is_active=True).exists()
    params = adaptive.fit(
        table,
        forgets=forgets,
        item_priors={str(k): v for k, v in priors.items()},
        # refits move smoothly from the active parameters (or the curriculum's defaults)
        previous=active_params() if active else curriculum_defaults(),
    )
    with transaction.atomic():
        AdaptiveModel.objects.filter(is_active=True).update(is_active=False)
        model = AdaptiveModel.objects.create(
            version=params.version,
            params=params.to_dict(),
            is_active=True,
            n_attempts=len(rows),
            fit_seconds=float(params.info.get("fit_seconds", 0.0)),
        )
    return model


def _first_attempts():
    """Each learner's first readable answer to each problem: what the models learn from."""
    first_ids = (
        Attempt.objects.exclude(verdict=Attempt.Verdict.INVALID)
        .values("learner_id", "problem_id")
        .annotate(first=Min("id"))
        .values("first")
    )
    return Attempt.objects.filter(id__in=first_ids).order_by("created_at", "id")


# --- the course graph -----------------------------------------------------------------------


def course_graph(course: Course) -> adaptive.CourseGraph:
    """Skills in course order with prerequisites, and the active problems; cached per process
    until the course's content or its prerequisites change (cheap signature queries decide)."""
    signature = (
        course.pk,
        *Problem.objects.filter(skill__course=course, is_active=True, skill__is_active=True)
        .aggregate(n=Count("id"), last=Max("id"), diff=Max("difficulty"))
        .values(),
        Skill.objects.filter(course=course).count(),
        # A prerequisite added or removed (in the admin, say) changes what is locked.
        tuple(
            Skill.prerequisites.through.objects.filter(from_skill__course=course)
            .order_by("from_skill_id", "to_skill_id")
            .values_list("from_skill_id", "to_skill_id")
        ),
    )
    with _lock:
        graph = _graph_cache.get(signature)
    if graph is not None:
        return graph
    skills = list(
        Skill.objects.filter(course=course)
        .order_by("order", "id")
        .prefetch_related("prerequisites")
    )
    problems = Problem.objects.filter(
        skill__course=course, is_active=True, skill__is_active=True
    ).values_list("id", "skill_id", "difficulty")
    graph = adaptive.CourseGraph(
        skills=[
            adaptive.Skill(str(s.pk), s.name, tuple(str(p.pk) for p in s.prerequisites.all()))
            for s in skills
        ],
        problems=[adaptive.Problem(str(pk), str(skill), diff) for pk, skill, diff in problems],
        name=course.title,
    )
    with _lock:
        for key in [k for k in _graph_cache if k[0] == course.pk]:
            del _graph_cache[key]
        _graph_cache[signature] = graph
    return graph


# --- learner state ---------------------------------------------------------------------------


def learner_state(user: User) -> adaptive.LearnerState:
    profile = LearnerProfile.objects.filter(user=user).values_list("state", flat=True).first()
    skills = {
        str(skill_id): state
        for skill_id, state in LearnerSkill.objects.filter(user=user).values_list(
            "skill_id", "state"
        )
    }
    return adaptive.LearnerState.from_rows(profile or {"learner": str(user.pk)}, skills)


def update_learner(attempt: Attempt) -> None:
    """Feed a first readable attempt to the models. Call inside the attempt's transaction.

    Only the first answer to a problem counts (as in the models' training data), and a hint
    asked for before answering counts as not knowing it.
    """
    if attempt.verdict == Attempt.Verdict.INVALID:
        return
    earlier = (
        Attempt.objects.filter(learner_id=attempt.learner_id, problem_id=attempt.problem_id)
        .exclude(verdict=Attempt.Verdict.INVALID)
        .exclude(pk=attempt.pk)
    )
    if earlier.exists():
        return
    # Serialise one learner's updates so two quick answers cannot lose one another.
    profile, _ = LearnerProfile.objects.select_for_update().get_or_create(
        user_id=attempt.learner_id
    )
    state = learner_state(attempt.learner)
    problem = attempt.problem
    new, changed = apply_answer(
        state,
        active_params(),
        learner_id=attempt.learner_id,
        skill_id=problem.skill_id,
        problem_id=problem.pk,
        correct=attempt.verdict == Attempt.Verdict.CORRECT,
        hints_used=attempt.hints_used,
        at=attempt.created_at,
        difficulty=problem.difficulty,
        working=attempt.working,
        concepts=step_concept_skills(problem.skill_id),
    )
    profile.state = new.globals_dict()
    profile.save(update_fields=["state", "updated_at"])
    for skill_id in changed:
        skill_state = new.skills[skill_id]
        LearnerSkill.objects.update_or_create(
            user_id=attempt.learner_id,
            skill_id=int(skill_id),
            defaults={"state": skill_state.to_dict(), "p_known": skill_state.p_known},
        )


def apply_answer(
    state: adaptive.LearnerState,
    params: adaptive.ModelParams,
    *,
    learner_id: int,
    skill_id: int,
    problem_id: int,
    correct: bool,
    hints_used: int,
    at: datetime,
    difficulty: float | None,
    working: dict[str, Any] | None,
    concepts: dict[str, list[str]],
) -> tuple[adaptive.LearnerState, list[str]]:
    """One first readable answer fed to the learner models: the one rule for the live update
    (:func:`update_learner`) and for replays (the drill-down's mastery over time).

    Right with no hint asked first counts as known; the working's steps are weaker evidence
    for the other skills they exercise (``concepts``: :func:`step_concept_skills`). Returns the
    new state and the ids of the skills it changed.
    """
    new = adaptive.update(
        state,
        params,
        adaptive.Attempt(
            learner=str(learner_id),
            skill=str(skill_id),
            item=str(problem_id),
            correct=correct and hints_used == 0,
            t=at.timestamp(),
            difficulty=difficulty,
        ),
    )
    changed = [str(skill_id)]
    if working and working.get("lines"):
        # The working's steps: weaker evidence for the other skills they exercise, once each
        # (tutor/adaptive/steps_evidence.py; the answer stays the problem skill's evidence).
        observed = steps_evidence.observations(
            working["lines"],
            concepts,
            problem_skill=str(skill_id),
            hints_used=hints_used,
        )
        new, more = steps_evidence.apply(new, params, observed)
        changed += [s for s in more if s not in changed]
    return new, changed


# Which skill of a course owns each step concept (curriculum.answers.stepconcepts.CONCEPTS):
# by the skill slugs of the two demo curricula (curriculum/demo/course.yaml, tutor/demo.py),
# unless a skill of the course declares the concepts it owns in its extra data
# ("step_concepts": [...]). A concept no skill of the course owns is not counted.
STEP_CONCEPT_SLUGS: dict[str, tuple[str, ...]] = {
    "distribute": ("distributive-property", "expressions"),
    "expand": ("expanding-binomials",),
    "factor": ("factoring-trinomials",),
    "add_fractions": ("fraction-addition", "fractions"),
    "inequality_negative": ("linear-inequalities",),
    "order_of_operations": ("order-of-operations", "integers"),
    "collect_terms": ("combining-like-terms", "expressions"),
}


def step_concept_skills(skill_id: int) -> dict[str, list[str]]:
    """Concept -> ids (as str) of the skills that own it, in the course of ``skill_id``:
    1 query."""
    rows = Skill.objects.filter(course__skills__id=skill_id).values_list("pk", "slug", "extra")
    return step_concepts_of(rows)


def step_concepts_of(rows: Iterable[tuple[int, str, Any]]) -> dict[str, list[str]]:
    """Concept -> ids (as str) of the skills that own it, from a course's skills given as
    (pk, slug, extra) rows."""
    declared: dict[str, list[str]] = {}
    by_slug: dict[str, str] = {}
    for pk, slug, extra in rows:
        by_slug[slug] = str(pk)
        concepts = (extra or {}).get("step_concepts") if isinstance(extra, dict) else None
        for concept in concepts if isinstance(concepts, list) else ():
            declared.setdefault(str(concept), []).append(str(pk))
    out = dict(declared)
    for concept, slugs in STEP_CONCEPT_SLUGS.items():
        if concept not in out:
            out[concept] = [by_slug[s] for s in slugs if s in by_slug]
    return out


# --- choosing and reporting -------------------------------------------------------------------


def choose_next(
    user: User, course: Course, *, skill: Skill | None = None, now: datetime | None = None
) -> adaptive.Choice:
    """The policy's next problem for the learner in the course (or within one skill)."""
    graph = course_graph(course)
    state = learner_state(user)
    params = active_params()
    ts = (now or timezone.now()).timestamp()
    locked: list[str] = []
    if skill is not None:
        locked = adaptive.locked_by(state, graph, params, str(skill.pk), ts)
        graph = adaptive.CourseGraph(
            skills=[adaptive.Skill(str(skill.pk), skill.name)],
            problems=[p for p in graph.problems if p.skill == str(skill.pk)],
            name=skill.name,
        )
    # Seeded by how much the learner has done: reproducible, yet a different draw each time.
    rng = random.Random(f"{user.pk}:{state.n}:{len(state.recent)}")
    choice = adaptive.choose_next(state, graph, params, now=ts, rng=rng)
    if locked and choice.problem_id is not None:
        # A locked skill opened by hand is served openly as a preview, never passed off as ready.
        names = " and ".join(f"'{n}'" for n in locked)
        choice.kind = "preview"
        choice.details["locked_by"] = locked
        choice.reason = (
            f"Preview of '{skill.name}': {names} not mastered yet, so the tutor would not have "
            f"chosen this skill for you. " + choice.reason
        )
    return choice


def course_progress(user: User, course: Course) -> list[adaptive.SkillProgress]:
    return adaptive.progress(
        learner_state(user), course_graph(course), active_params(), timezone.now().timestamp()
    )
