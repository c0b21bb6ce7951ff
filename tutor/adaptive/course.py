"""The course as the policy sees it: skills in course order with prerequisites, and a candidate
index of problems per skill (ids and difficulty arrays), built once and reused for every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import ModelParams


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    name: str = ""
    prerequisites: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Problem:
    """A servable item. ``difficulty`` is the curriculum's prior on the logit scale (0 = average;
    e.g. easy/medium/hard = -1/0/+1); fitted difficulties replace it once attempts exist."""

    id: str
    skill: str
    difficulty: float | None = None


@dataclass
class _SkillIndex:
    ids: list[str]
    id_pos: dict[str, int]
    prior: np.ndarray  # curriculum prior or NaN


@dataclass
class CourseGraph:
    """Skills in course order (prerequisites by id) and their problems.

    ``mastery_threshold`` overrides the parameters' default for this course (None: use it).
    """

    skills: list[Skill]
    problems: list[Problem]
    mastery_threshold: float | None = None
    name: str = ""
    _index: dict[str, _SkillIndex] = field(default_factory=dict, init=False, repr=False)
    _bound: tuple[Any, dict[str, np.ndarray]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.skills = [s if isinstance(s, Skill) else Skill(str(s[0]), *s[1:]) for s in self.skills]
        self.skill_by_id: dict[str, Skill] = {s.id: s for s in self.skills}
        self.order: dict[str, int] = {s.id: i for i, s in enumerate(self.skills)}
        ids: dict[str, list[str]] = {s.id: [] for s in self.skills}
        priors: dict[str, list[float]] = {s.id: [] for s in self.skills}
        self.problem_by_id: dict[str, Problem] = {}
        for p in self.problems:
            if p.skill not in ids:
                continue  # validate() reports it
            self.problem_by_id[p.id] = p
            ids[p.skill].append(p.id)
            priors[p.skill].append(np.nan if p.difficulty is None else float(p.difficulty))
        self._index = {
            k: _SkillIndex(v, {pid: i for i, pid in enumerate(v)}, np.array(priors[k], dtype=float))
            for k, v in ids.items()
        }
        # prerequisites inside the course only
        self.prereqs: dict[str, tuple[str, ...]] = {
            s.id: tuple(p for p in s.prerequisites if p in self.skill_by_id) for s in self.skills
        }

    # -- candidate index -----------------------------------------------------------------
    def problem_ids(self, skill: str) -> list[str]:
        return self._index[skill].ids

    def has_problems(self, skill: str) -> bool:
        ix = self._index.get(skill)
        return bool(ix and ix.ids)

    def difficulties(self, skill: str, params: ModelParams) -> np.ndarray:
        """Difficulty of each problem of ``skill`` under ``params`` (fitted, else prior, else
        the skill's mean). Cached per parameter object: the first call after a swap pays."""
        bound = self._bound
        if bound is None or bound[0] is not params:
            bound = (params, {})
            self._bound = bound
        arr = bound[1].get(skill)
        if arr is None:
            ix = self._index[skill]
            fitted = params.item_difficulty
            default = params.skill_difficulty.get(skill, 0.0)
            arr = np.array(
                [
                    fitted.get(pid, default if np.isnan(pr) else pr)
                    for pid, pr in zip(ix.ids, ix.prior, strict=True)
                ],
                dtype=float,
            )
            bound[1][skill] = arr
        return arr

    def item_weights(self, skill: str, params: ModelParams) -> np.ndarray:
        """The combined model's item weight of each problem of ``skill`` (0 for items the fit
        has not seen). Cached per parameter object like ``difficulties``."""
        self.difficulties(skill, params)  # (re)binds the cache to params
        assert self._bound is not None
        cache = self._bound[1]
        key = "\x00w:" + skill
        arr = cache.get(key)
        if arr is None:
            iw = params.item_weights
            arr = np.array([iw.get(pid, 0.0) for pid in self._index[skill].ids], dtype=float)
            cache[key] = arr
        return arr

    def bind(self, params: ModelParams) -> CourseGraph:
        """Precompute every skill's difficulty and item-weight arrays for ``params`` (call
        right after a swap so no request pays for it)."""
        for s in self.skills:
            self.difficulties(s.id, params)
            self.item_weights(s.id, params)
        return self

    def item_priors(self) -> dict[str, float]:
        return {p.id: float(p.difficulty) for p in self.problems if p.difficulty is not None}

    # -- checks ---------------------------------------------------------------------------
    def validate(self) -> list[str]:
        """Human-readable problems with the graph (empty list: fine)."""
        out: list[str] = []
        seen: set[str] = set()
        for s in self.skills:
            if s.id in seen:
                out.append(f"skill {s.id!r} listed twice")
            seen.add(s.id)
            for p in s.prerequisites:
                if p not in self.skill_by_id:
                    out.append(f"skill {s.id!r}: prerequisite {p!r} is not in the course (ignored)")
            if not self.has_problems(s.id):
                out.append(f"skill {s.id!r} has no problems (it is skipped)")
        pids: set[str] = set()
        for prob in self.problems:
            if prob.id in pids:
                out.append(f"problem {prob.id!r} listed twice")
            pids.add(prob.id)
            if prob.skill not in self.skill_by_id:
                out.append(
                    f"problem {prob.id!r}: skill {prob.skill!r} is not in the course (ignored)"
                )
        # cycles (DFS)
        state: dict[str, int] = {}

        def visit(u: str, path: list[str]) -> None:
            state[u] = 1
            for v in self.prereqs[u]:
                if state.get(v) == 1:
                    out.append("prerequisite cycle: " + " -> ".join([*path, u, v]))
                elif v not in state:
                    visit(v, [*path, u])
            state[u] = 2

        for s in self.skills:
            if s.id not in state:
                visit(s.id, [])
        return out

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mastery_threshold": self.mastery_threshold,
            "skills": [
                {"id": s.id, "name": s.name, "prerequisites": list(s.prerequisites)}
                for s in self.skills
            ],
            "problems": [
                {"id": p.id, "skill": p.skill, "difficulty": p.difficulty} for p in self.problems
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CourseGraph:
        return cls(
            skills=[
                Skill(
                    str(s["id"]),
                    s.get("name", ""),
                    tuple(str(x) for x in s.get("prerequisites", ())),
                )
                for s in d["skills"]
            ],
            problems=[
                Problem(
                    str(p["id"]),
                    str(p["skill"]),
                    None if p.get("difficulty") is None else float(p["difficulty"]),
                )
                for p in d["problems"]
            ],
            mastery_threshold=d.get("mastery_threshold"),
            name=d.get("name", ""),
        )
