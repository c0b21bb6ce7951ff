"""Plain data of the adaptive engine: attempts, learner state, model parameters.

Everything here serialises to plain dicts (JSON-safe: str keys, floats, ints, lists) so the Django
side can keep learner state in rows and model parameters in one blob that is swapped atomically.
Ids (learner, skill, item) are strings; ints are converted on the way in.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FORMAT_VERSION = 1


def _f(x: Any) -> float:
    return float(x)


def _floats(v: Any, n: int) -> list[float]:
    """``v`` as ``n`` floats (zeros when absent or of another length: a row stored before)."""
    if not isinstance(v, list | tuple) or len(v) != n:
        return [0.0] * n
    return [float(x) for x in v]


@dataclass(slots=True)
class Attempt:
    """One graded first attempt of a learner on an item (problem or step) that exercises a skill.

    ``t`` is a timestamp in seconds (any epoch; only differences matter). ``difficulty`` is the
    curriculum's prior difficulty of the item on the logit scale (0 = average, +1 = harder), used
    only while the fitted parameters know nothing about the item.
    """

    learner: str
    skill: str
    item: str
    correct: bool
    t: float = 0.0
    difficulty: float | None = None

    def __post_init__(self) -> None:
        if type(self.learner) is not str:
            self.learner = str(self.learner)
        if type(self.skill) is not str:
            self.skill = str(self.skill)
        if type(self.item) is not str:
            self.item = str(self.item)
        self.correct = bool(self.correct)
        self.t = float(self.t) if self.t is not None else 0.0


EVIDENCE_CAP = 10  # solved items remembered per skill; min_evidence may not exceed it
SKILL_EMA = (0.5, 0.8)  # per-answer decay of the skill's moving averages of correctness
TOTAL_EMA = (0.9, 0.98)  # the same over all of a learner's answers
PATTERN_LEN = 5  # last outcomes remembered as a pattern (skill and overall)
N_PATTERNS = (1 << (PATTERN_LEN + 1)) - 1  # patterns of length 0..PATTERN_LEN
DECAY_DAYS = (1.0, 7.0)  # time constants of the decayed counts (wins, attempts) per skill
ITEM_CAP = 32  # items remembered per learner x skill (for "met this item before")


@dataclass(slots=True)
class SkillState:
    """What the engine knows about one learner on one skill (one row per learner x skill)."""

    p_known: float  # BKT P(known) after the last attempt (and its learning transition)
    theta: float = 0.0  # Elo per-skill ability offset (added to the learner's global ability)
    n: int = 0  # attempts on this skill
    wins: int = 0  # correct attempts on this skill
    last_t: float | None = None  # time of the last attempt (seconds)
    stability: float = 0.0  # forgetting-curve stability in days (0 = never practised)
    mastered_t: float | None = None  # first time P(known) reached the mastery threshold
    lapses: int = 0  # wrong answers given while the skill counted as mastered
    streak: int = 0  # current run of correct answers (negative: run of wrong answers)
    # Distinct items answered right first time without hints (capped at EVIDENCE_CAP): the
    # evidence that mastery needs besides P(known).
    solved: list[str] = field(default_factory=list)
    # Features of the combined model (issue 14), all O(1) to update: moving averages of
    # correctness (+1 right, -1 wrong) at SKILL_EMA rates, the last PATTERN_LEN outcomes as bits
    # (newest lowest), the learner's answer count at the last answer on the skill, wins and
    # attempts decayed with the DECAY_DAYS time constants, and per item of the skill that the
    # learner answered (at most ITEM_CAP, the least recent dropped): [answers, wins, the learner's
    # answer count at the last one, last outcome 0/1].
    ema: list[float] = field(default_factory=lambda: [0.0] * len(SKILL_EMA))
    hist: int = 0
    last_k: int = 0
    decayed: list[float] = field(default_factory=lambda: [0.0] * (2 * len(DECAY_DAYS)))
    items: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SkillState:
        names = {f.name for f in fields(cls)}
        out = cls(**{k: v for k, v in d.items() if k in names})
        out.solved = [str(x) for x in out.solved]
        out.items = {str(k): [int(x) for x in v] for k, v in out.items.items()}
        out.ema = _floats(out.ema, len(SKILL_EMA))
        out.decayed = _floats(out.decayed, 2 * len(DECAY_DAYS))
        if "solved" not in d and out.wins:
            # A row stored before evidence was kept: the app feeds only first answers, one per
            # problem, so its wins were on distinct problems (placeholders stand for them).
            out.solved = [f"#{k}" for k in range(min(out.wins, EVIDENCE_CAP))]
        return out

    def copy(self) -> SkillState:
        return SkillState(
            self.p_known,
            self.theta,
            self.n,
            self.wins,
            self.last_t,
            self.stability,
            self.mastered_t,
            self.lapses,
            self.streak,
            list(self.solved),
            list(self.ema),
            self.hist,
            self.last_k,
            list(self.decayed),
            {k: list(v) for k, v in self.items.items()},
        )


@dataclass(slots=True)
class LearnerState:
    """A learner's state: global Elo ability, totals, recent items and one SkillState per skill.

    ``recent`` holds the last few (item, t) pairs, newest last, so the policy can avoid repeats
    without reading the attempt history.
    """

    learner: str = ""
    theta: float = 0.0
    n: int = 0
    wins: int = 0
    recent: list[tuple[str, float]] = field(default_factory=list)
    skills: dict[str, SkillState] = field(default_factory=dict)
    # moving averages of correctness over all answers (TOTAL_EMA rates), the last PATTERN_LEN
    # outcomes as bits, and the skill of the last answer
    ema: list[float] = field(default_factory=lambda: [0.0] * len(TOTAL_EMA))
    hist: int = 0
    prev_skill: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "theta": self.theta,
            "n": self.n,
            "wins": self.wins,
            "recent": [[i, t] for i, t in self.recent],
            "skills": {k: s.to_dict() for k, s in self.skills.items()},
            "ema": list(self.ema),
            "hist": self.hist,
            "prev_skill": self.prev_skill,
        }

    def globals_dict(self) -> dict[str, Any]:
        """The learner-level part only (for a per-learner row; skills go in per-skill rows)."""
        d = self.to_dict()
        d.pop("skills")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LearnerState:
        return cls(
            learner=str(d.get("learner", "")),
            theta=_f(d.get("theta", 0.0)),
            n=int(d.get("n", 0)),
            wins=int(d.get("wins", 0)),
            recent=[(str(i), _f(t)) for i, t in d.get("recent", [])],
            skills={str(k): SkillState.from_dict(v) for k, v in d.get("skills", {}).items()},
            ema=_floats(d.get("ema"), len(TOTAL_EMA)),
            hist=int(d.get("hist", 0)),
            prev_skill=str(d.get("prev_skill", "")),
        )

    @classmethod
    def from_rows(
        cls, globals_row: dict[str, Any] | None, skill_rows: dict[str, dict[str, Any]]
    ) -> LearnerState:
        """Rebuild from a per-learner row (``globals_dict``) and per-skill rows (``SkillState.to_dict``)."""
        d = dict(globals_row or {})
        d["skills"] = skill_rows
        return cls.from_dict(d)

    def copy(self) -> LearnerState:
        """A copy that shares nothing mutable with the original (skill states are copied lazily by update)."""
        return LearnerState(
            self.learner,
            self.theta,
            self.n,
            self.wins,
            list(self.recent),
            dict(self.skills),
            list(self.ema),
            self.hist,
            self.prev_skill,
        )


@dataclass(slots=True)
class BKTParams:
    """Per-skill BKT: P(L0), P(T) learn, P(S) slip, P(G) guess, P(F) forget (per attempt)."""

    prior: float = 0.2
    learn: float = 0.15
    slip: float = 0.1
    guess: float = 0.2
    forget: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BKTParams:
        return cls(**{k: _f(d[k]) for k in ("prior", "learn", "slip", "guess", "forget") if k in d})


@dataclass(slots=True)
class EloConfig:
    """Uncertainty-scaled Elo (Pelanek): K(n) = alpha / (1 + beta * n)."""

    alpha: float = 0.8
    beta: float = 0.05
    alpha_skill: float = 0.8
    beta_skill: float = 0.05

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EloConfig:
        return cls(**{k: _f(v) for k, v in d.items() if k in {f.name for f in fields(cls)}})


@dataclass(slots=True)
class MasteryConfig:
    """Mastery threshold and the forgetting curve (FSRS-4.5/5 shape, stability in days).

    R(t) = (1 + 19/81 * t / S) ** -0.5, so R(S) = 0.9. A skill whose P(known) reached
    ``threshold`` is *due for review* once R falls below ``retention``. Stability starts at
    ``initial_stability`` days; a correct answer multiplies it by
    ``1 + growth * min(1, elapsed / S)`` (spaced practice counts, massed practice barely does);
    a wrong answer multiplies it by ``lapse`` (never below ``min_stability``).
    """

    threshold: float = 0.95
    # Mastery also needs this many distinct items answered right on the first attempt without
    # hints: a high P(known) after two lucky answers is not yet evidence (issue 14).
    min_evidence: int = 3
    retention: float = 0.9
    initial_stability: float = 3.0
    growth: float = 1.5
    lapse: float = 0.5
    min_stability: float = 0.5

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MasteryConfig:
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: _f(v) for k, v in d.items() if k in known}
        out = cls(**kwargs)
        out.min_evidence = max(0, min(EVIDENCE_CAP, int(out.min_evidence)))
        return out


# Features of the combined (Best-LR style) logistic model, in order.
COMBINED_FEATURES: tuple[str, ...] = (
    "bias",
    "bkt_logit",  # logit of BKT P(correct)
    "elo_logit",  # theta_global + theta_skill - difficulty
    "theta_global",
    "difficulty",
    "log_wins_skill",  # log(1 + correct answers on the skill)
    "log_fails_skill",  # log(1 + wrong answers on the skill)
    "log_wins_total",
    "log_fails_total",
    "streak",  # current run of right (+) / wrong (-) answers on the skill, clipped to +-5
    "retrievability",  # forgetting curve R for the skill (1 when just practised or never)
    "skill_difficulty",  # mean difficulty of the skill's answered items
    "first_on_skill",  # 1 before the learner's first answer on the skill
    "log_gap_hours",  # log(1 + hours since the skill was last practised)
    "theta_skill",  # the learner's skill-specific Elo offset on its own
    # recency and patterns of the learner's answers (issue 14):
    "ema_skill_fast",  # moving average of +1/-1 outcomes on the skill, SKILL_EMA[0]
    "ema_skill_slow",  # SKILL_EMA[1]
    "ema_total_fast",  # over all answers, TOTAL_EMA[0]
    "ema_total_slow",  # TOTAL_EMA[1]
    "log_gap_answers",  # log(1 + the learner's answers since the last one on the skill)
    "same_skill",  # 1 when the previous answer was on the same skill
    "log_wins_day",  # log(1 + wins on the skill decayed with a 1-day time constant)
    "log_attempts_day",
    "log_wins_week",  # ... with a 1-week time constant
    "log_attempts_week",
    "log_attempts_total",
    # the learner's history with this very item (the last four: ITEM_FEATURES)
    "log_attempts_item",
    "log_wins_item",
    "item_last",  # +1 / -1: the last answer on this item was right / wrong; 0: never met
    "log_gap_item",  # log(1 + the learner's answers since the last one on this item)
)
N_ITEM_FEATURES = 4  # the last features depend on the item (the policy adds them per candidate)
# Per-skill weights of the combined model (Best-LR's per-skill counts, Gervet et al. 2020):
# skill bias, log(1 + wins), log(1 + attempts), log(1 + fails), the two moving averages, and
# log(1 + answers since the last one on the skill).
SKILL_TERMS: tuple[str, ...] = (
    "bias",
    "log_wins",
    "log_attempts",
    "log_fails",
    "ema_fast",
    "ema_slow",
    "log_gap_answers",
)

# Hand-set weights used until a fit exists: the Elo logit plus 0.3 x the BKT logit, centred so
# that a new learner's first answer is predicted by Elo alone (the bias is set by
# ``default_combined_weights`` from the BKT defaults), with the global ability counting 0.8
# (-0.2 on theta_global: ability carried over from other skills over-predicted first answers on
# a new skill). The old 0.5/0.5 average ranked worse than Elo alone on real data (issue 14); this
# ranks at least as well as Elo on the simulator and ASSISTments 2009 and ties it on Statics 2011
# (docs/adaptive.md, cold start).
DEFAULT_BKT_WEIGHT = 0.3
DEFAULT_COMBINED_WEIGHTS: tuple[float, ...] = (
    0.199,  # -0.3 * logit(P(correct)) of the default BKTParams (0.34)
    DEFAULT_BKT_WEIGHT,
    1.0,
    -0.2,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
) + (0,) * 15


def default_combined_weights(bkt_default: BKTParams) -> list[float]:
    """The unfitted combined weights, centred on ``bkt_default``'s first-answer prediction."""
    p0 = (
        bkt_default.prior * (1.0 - bkt_default.slip) + (1.0 - bkt_default.prior) * bkt_default.guess
    )
    w = list(DEFAULT_COMBINED_WEIGHTS)
    w[0] = -DEFAULT_BKT_WEIGHT * logit(p0)
    return w


@dataclass
class ModelParams:
    """Everything fitted offline, swapped in as a whole (see ``to_json`` / ``version``)."""

    bkt: dict[str, BKTParams] = field(default_factory=dict)
    bkt_default: BKTParams = field(default_factory=BKTParams)
    elo: EloConfig = field(default_factory=EloConfig)
    item_difficulty: dict[str, float] = field(default_factory=dict)
    item_count: dict[str, int] = field(default_factory=dict)
    skill_difficulty: dict[str, float] = field(default_factory=dict)
    combined_weights: list[float] = field(default_factory=lambda: list(DEFAULT_COMBINED_WEIGHTS))
    # sparse weights of the combined model (none until fitted): per item, per skill
    # (SKILL_TERMS), and per pattern of the last outcomes on the skill / overall (N_PATTERNS),
    item_weights: dict[str, float] = field(default_factory=dict)
    skill_weights: dict[str, list[float]] = field(default_factory=dict)
    pattern_skill: list[float] = field(default_factory=list)
    pattern_total: list[float] = field(default_factory=list)
    # per skill, a weight per pattern of the last outcomes on it (added to pattern_skill's)
    skill_patterns: dict[str, list[float]] = field(default_factory=dict)
    mastery: MasteryConfig = field(default_factory=MasteryConfig)
    info: dict[str, Any] = field(default_factory=dict)  # fit diagnostics (counts, log-likelihoods)

    # -- lookups used on the hot path -------------------------------------------------------
    def bkt_for(self, skill: str) -> BKTParams:
        p = self.bkt.get(skill)
        return p if p is not None else self.bkt_default

    def difficulty(self, item: str, skill: str, prior: float | None = None) -> float:
        """Fitted difficulty, else the curriculum prior, else the skill's mean, else 0."""
        d = self.item_difficulty.get(item)
        if d is not None:
            return d
        if prior is not None:
            return float(prior)
        return self.skill_difficulty.get(skill, 0.0)

    def with_item_priors(self, priors: dict[str, float]) -> ModelParams:
        """A copy that also knows curriculum priors for items that have no fitted difficulty."""
        out = ModelParams.from_dict(self.to_dict())
        for item, d in priors.items():
            out.item_difficulty.setdefault(str(item), float(d))
            out.item_count.setdefault(str(item), 0)
        return out

    # -- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "bkt": {k: v.to_dict() for k, v in self.bkt.items()},
            "bkt_default": self.bkt_default.to_dict(),
            "elo": self.elo.to_dict(),
            "item_difficulty": dict(self.item_difficulty),
            "item_count": dict(self.item_count),
            "skill_difficulty": dict(self.skill_difficulty),
            "combined": {
                "features": list(COMBINED_FEATURES),
                "weights": list(self.combined_weights),
                "items": dict(self.item_weights),
                "skill_terms": list(SKILL_TERMS),
                "skills": {k: list(v) for k, v in self.skill_weights.items()},
                "pattern_skill": list(self.pattern_skill),
                "pattern_total": list(self.pattern_total),
                "skill_patterns": {k: list(v) for k, v in self.skill_patterns.items()},
            },
            "mastery": self.mastery.to_dict(),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelParams:
        fmt = d.get("format", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            raise ValueError(f"unsupported ModelParams format {fmt!r} (expected {FORMAT_VERSION})")
        comb = d.get("combined") or {}
        names = comb.get("features", list(COMBINED_FEATURES))
        weights = comb.get("weights", list(DEFAULT_COMBINED_WEIGHTS))
        if list(names) != list(COMBINED_FEATURES):
            # Map by name so that adding a feature later does not silently shift weights.
            by_name = dict(zip(names, weights, strict=True))
            weights = [float(by_name.get(n, 0.0)) for n in COMBINED_FEATURES]
        return cls(
            bkt={str(k): BKTParams.from_dict(v) for k, v in d.get("bkt", {}).items()},
            bkt_default=BKTParams.from_dict(d.get("bkt_default", {})),
            elo=EloConfig.from_dict(d.get("elo", {})),
            item_difficulty={str(k): _f(v) for k, v in d.get("item_difficulty", {}).items()},
            item_count={str(k): int(v) for k, v in d.get("item_count", {}).items()},
            skill_difficulty={str(k): _f(v) for k, v in d.get("skill_difficulty", {}).items()},
            combined_weights=[_f(w) for w in weights],
            item_weights={str(k): _f(v) for k, v in comb.get("items", {}).items()},
            skill_weights=_skill_weights(comb),
            pattern_skill=_patterns(comb.get("pattern_skill")),
            pattern_total=_patterns(comb.get("pattern_total")),
            skill_patterns={
                str(k): _patterns(v)
                for k, v in comb.get("skill_patterns", {}).items()
                if _patterns(v)
            },
            mastery=MasteryConfig.from_dict(d.get("mastery", {})),
            info=dict(d.get("info", {})),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, s: str | bytes) -> ModelParams:
        return cls.from_dict(json.loads(s))

    @property
    def version(self) -> str:
        """A content hash: equal parameters give equal versions (store it next to the blob)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def _skill_weights(comb: dict[str, Any]) -> dict[str, list[float]]:
    terms = list(comb.get("skill_terms", SKILL_TERMS))
    out = {}
    for k, v in comb.get("skills", {}).items():
        by_name = dict(zip(terms, v, strict=True))
        out[str(k)] = [_f(by_name.get(t, 0.0)) for t in SKILL_TERMS]
    return out


def _patterns(v: Any) -> list[float]:
    return [_f(x) for x in v] if isinstance(v, list) and len(v) == N_PATTERNS else []


def logit(p: float, eps: float = 1e-4) -> float:
    p = min(max(p, eps), 1.0 - eps)
    return math.log(p / (1.0 - p))
