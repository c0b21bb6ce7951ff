"""Evaluation harness: ``python -m tutor.adaptive.evaluate``.

Input: long format, one row per graded answer, comma- or tab-separated (sniffed), with a header
naming (aliases accepted) user (user_id, learner, student ...), item (item_id, problem_id ...;
optional: the skill stands in for it), timestamp (or order; numbers or ISO dates; ties keep file
order), correct (0/1) and skill (skill_id, kc ...). An answer may carry several skills in its
skill cell, separated by ``;``, ``|`` or ``~~`` (or ``,`` in a tab-separated file), or through a
Q-matrix (``--qmat item_skill.npz``, scipy-sparse CSR layout read with numpy alone).

Split: ``--train A --test B`` uses a given split (learners of B scored; A for fitting), or
``--data FILE`` splits learners 80/20 (seeded). Every model is fitted on train; each held-out
answer is predicted from the state before it and only then used to update (one step ahead, one
prediction per answer however many skills it has: the engine's per-skill predictions are
averaged, the logistic models sum the skills' features). Prints AUC, RMSE, log-loss, accuracy,
expected calibration error, and a calibration table, per model:

* ``BKT`` - plain per-skill BKT fitted by EM (what pyBKT's default model gives);
* ``BKT+forgets`` - the same with P(F) (``--forgets``);
* ``pyBKT`` - pyBKT itself, if it is importable (``--pybkt``);
* ``Elo`` - learner ability (global + per skill) and item difficulty;
* ``Best-LR`` - Gervet et al.'s baseline exactly (item and skill one-hots, per-skill, per-item
  and total counts of wins and attempts), ``lr.BestLR``;
* ``Combined`` - the engine's model, what the app serves: Best-LR's features plus fails, moving
  averages, patterns of the last answers, recency, and the BKT and Elo features, cross-fitted;
* with ``--cold``, the engine's models again with *unfitted* parameters (a fresh deployment).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from . import bkt as _bkt
from .elo import item_step
from .engine import AttemptTable, default_params, fit, predict_all, update
from .lr import BestLR, fit_best_lr
from .lr import design as best_lr_design
from .metrics import auc, calibration, summary
from .model import Attempt, LearnerState, ModelParams

ALIASES = {
    "user": [
        "user",
        "user_id",
        "userid",
        "learner",
        "learner_id",
        "student",
        "student_id",
        "anon student id",
    ],
    "skill": [
        "skill",
        "skill_id",
        "skill_name",
        "kc",
        "kc_id",
        "concept",
        "concept_id",
        "knowledge component",
    ],
    "item": [
        "item",
        "item_id",
        "problem",
        "problem_id",
        "question",
        "question_id",
        "exercise",
        "step",
    ],
    "correct": ["correct", "is_correct", "outcome", "label", "response", "y"],
    "time": ["timestamp", "time", "t", "start_time", "order", "order_id", "position", "seq"],
}


def _find(header: list[str], key: str) -> int | None:
    low = [h.strip().lower() for h in header]
    for name in ALIASES[key]:
        if name in low:
            return low.index(name)
    return None


def _columns(path: str, header: list[str]) -> tuple[dict[str, int | None], int, int, int]:
    """Each field's column (None: absent), then the user, skill and correct columns, which
    must be there."""
    cols = {k: _find(header, k) for k in ALIASES}
    required: list[int] = []
    for k in ("user", "skill", "correct"):
        c = cols[k]
        if c is None:
            raise SystemExit(
                f"{path}: no column for {k!r} (accepted names: {', '.join(ALIASES[k])})"
            )
        required.append(c)
    return cols, required[0], required[1], required[2]


def _to_time(v: str, row: int) -> float:
    try:
        return float(v)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(v.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float(row)


def load_csv(path: str, limit: int | None = None) -> tuple[AttemptTable, dict[str, Any]]:
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        cols, c_user, c_skill, c_correct = _columns(path, header)
        users, skills, items, ys, ts = [], [], [], [], []
        skipped = 0
        for i, row in enumerate(rd):
            if limit is not None and i >= limit:
                break
            try:
                y = float(row[c_correct])
            except (ValueError, IndexError):
                skipped += 1
                continue
            sk = row[c_skill].strip() or "(none)"
            users.append(row[c_user])
            skills.append(sk)
            items.append(row[cols["item"]] if cols["item"] is not None else "skill:" + sk)
            ys.append(1.0 if y >= 0.5 else 0.0)
            ts.append(_to_time(row[cols["time"]], i) if cols["time"] is not None else float(i))
    tab = AttemptTable.from_columns(users, skills, items, ys, ts)
    info = {
        "file": path,
        "columns": {k: (header[v] if v is not None else None) for k, v in cols.items()},
        "rows": len(ys),
        "skipped_rows": skipped,
        "learners": len(tab.learners),
        "skills": len(tab.skills),
        "items": len(tab.items),
        "mean_correct": float(np.mean(ys)) if ys else float("nan"),
    }
    return tab, info


def split_learners(
    tab: AttemptTable, test_fraction: float = 0.2, seed: int = 0
) -> tuple[AttemptTable, AttemptTable]:
    rng = np.random.default_rng(seed)
    n = len(tab.learners)
    test = np.zeros(n, dtype=bool)
    test[rng.permutation(n)[: max(1, int(round(test_fraction * n)))]] = True
    m = test[tab.learner]
    return tab.subset(~m), tab.subset(m)


def _pybkt_predict(
    train: AttemptTable, test: AttemptTable, forgets: bool, seed: int
) -> np.ndarray | None:
    try:
        import pandas as pd
        from pyBKT.models import Model
    except ImportError:
        return None

    def frame(t: AttemptTable) -> Any:
        return pd.DataFrame(
            {
                "order_id": np.arange(len(t)),
                "user_id": t.learners[t.learner],
                "skill_name": t.skills[t.skill],
                "correct": t.correct.astype(int),
            }
        )

    m = Model(seed=seed, num_fits=1)
    m.fit(data=frame(train), forgets=forgets)
    df = frame(test)
    known = set(train.skills[np.unique(train.skill)].tolist())
    df_known = df[df["skill_name"].isin(known)]
    pred = np.full(len(test), float(train.correct.mean()))
    if len(df_known):
        out = m.predict(data=df_known)
        pred[out["order_id"].to_numpy()] = out["correct_predictions"].to_numpy()
    return pred


def evaluate_tables(
    train: AttemptTable,
    test: AttemptTable,
    *,
    seed: int = 0,
    forgets: bool = False,
    pybkt: bool = False,
    online_items: bool = False,
    bins: int = 10,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    params = fit(train, seed=seed)
    fit_s = time.perf_counter() - t0
    params_f = fit(train, forgets=True, stack_fraction=0, seed=seed) if forgets else None
    work = params
    if online_items:
        work = replace(
            params, item_difficulty=dict(params.item_difficulty), item_count=dict(params.item_count)
        )
    preds: dict[str, list[float]] = {"BKT": [], "Elo": [], "Combined": []}
    if params_f is not None:
        preds["BKT+forgets"] = []
    states: dict[int, LearnerState] = {}
    pk_f: dict[tuple[int, str], float] = {}
    S, It, L = test.skills, test.items, test.learners
    t1 = time.perf_counter()
    for lu, sk, it, y, t in zip(
        test.learner.tolist(),
        test.skill.tolist(),
        test.item.tolist(),
        test.correct.tolist(),
        test.t.tolist(),
        strict=True,
    ):
        st = states.get(lu)
        if st is None:
            st = states[lu] = LearnerState(learner=str(L[lu]))
        skill, item = str(S[sk]), str(It[it])
        p = predict_all(st, work, skill, item, t)
        preds["BKT"].append(p.bkt)
        preds["Elo"].append(p.elo)
        preds["Combined"].append(p.combined)
        if params_f is not None:
            bp = params_f.bkt_for(skill)
            k = pk_f.get((lu, skill), bp.prior)
            preds["BKT+forgets"].append(_bkt.p_correct(k, bp))
            pk_f[(lu, skill)] = _bkt.step(k, y > 0.5, bp)
        if online_items:
            d0 = work.difficulty(item, skill)
            d1, n1 = item_step(d0, work.item_count.get(item, 0), p.elo, y > 0.5, work.elo)
            work.item_difficulty[item] = d1
            work.item_count[item] = n1
        states[lu] = update(st, work, Attempt(str(L[lu]), skill, item, y > 0.5, t))
    replay_s = time.perf_counter() - t1
    y = test.correct
    preds_note = ""
    if pybkt:
        t2 = time.perf_counter()
        pb = _pybkt_predict(train, test, False, seed)
        if pb is not None:
            preds["pyBKT"] = pb.tolist()
            preds_note = f"pyBKT fit+predict {time.perf_counter() - t2:.1f}s"
        else:
            preds_note = "pyBKT not importable: row left out"
            print(preds_note, file=sys.stderr)
    order = ["BKT", "BKT+forgets", "pyBKT", "Elo", "Combined"]
    models = []
    for name in order:
        if name in preds:
            pr = np.asarray(preds[name])
            models.append(
                {"model": name, **summary(y, pr), "calibration": calibration(y, pr, bins)}
            )
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "train_learners": int(len(np.unique(train.learner))),
        "test_learners": int(len(np.unique(test.learner))),
        "fit_seconds": round(fit_s, 2),
        "test_replay_seconds": round(replay_s, 2),
        "note": preds_note,
        "models": models,
        "params_info": params.info,
    }


# ---------------------------------------------------------------------------------------------
# answers with several skills, a given split, tab- or comma-separated


@dataclass
class Answers:
    """Answers as integer-coded columns in time order; skills of answer r are
    ``skill_idx[skill_ptr[r]:skill_ptr[r + 1]]``. Codes are shared between train and test."""

    learner: np.ndarray
    item: np.ndarray
    t: np.ndarray
    correct: np.ndarray
    skill_ptr: np.ndarray
    skill_idx: np.ndarray
    learners: list[str]
    items: list[str]
    skills: list[str]

    def __len__(self) -> int:
        return len(self.correct)

    def skills_of(self, r: int) -> list[int]:
        codes: list[int] = self.skill_idx[self.skill_ptr[r] : self.skill_ptr[r + 1]].tolist()
        return codes

    def subset(self, mask: np.ndarray) -> Answers:
        rows = np.flatnonzero(mask)
        lens = np.diff(self.skill_ptr)[rows]
        ptr = np.r_[0, np.cumsum(lens)].astype(np.int64)
        idx = (
            np.concatenate(
                [self.skill_idx[self.skill_ptr[r] : self.skill_ptr[r + 1]] for r in rows]
            )
            if len(rows)
            else np.zeros(0, np.int64)
        )
        return Answers(
            self.learner[rows],
            self.item[rows],
            self.t[rows],
            self.correct[rows],
            ptr,
            idx.astype(np.int64),
            self.learners,
            self.items,
            self.skills,
        )

    def expanded(self) -> AttemptTable:
        """One row per (answer, skill), for fitting the per-skill models."""
        lens = np.diff(self.skill_ptr)
        rep = np.repeat(np.arange(len(self)), lens)
        L, It, S = np.array(self.learners), np.array(self.items), np.array(self.skills)
        return AttemptTable.from_columns(
            L[self.learner[rep]],
            S[self.skill_idx],
            It[self.item[rep]],
            self.correct[rep],
            self.t[rep],
        )


_SKILL_SEPS = ("~~", ";", "|")


def _split_skills(cell: str, tab_separated: bool) -> list[str]:
    cell = cell.strip()
    for sep in _SKILL_SEPS + ((",",) if tab_separated else ()):
        if sep in cell:
            return [x.strip() for x in cell.split(sep) if x.strip()] or ["(none)"]
    return [cell or "(none)"]


def _read_rows(
    path: str, limit: int | None
) -> tuple[list[tuple[str, str, float, float, list[str]]], dict[str, Any]]:
    with open(path, newline="") as f:
        first = f.readline()
        tab_sep = first.count("\t") > first.count(",")
        f.seek(0)
        rd = csv.reader(f, delimiter="\t" if tab_sep else ",")
        header = next(rd)
        cols, c_user, c_skill, c_correct = _columns(path, header)
        rows = []
        skipped = 0
        for i, row in enumerate(rd):
            if limit is not None and i >= limit:
                break
            try:
                y = float(row[c_correct])
                skills = _split_skills(row[c_skill], tab_sep)
                user = row[c_user]
            except (ValueError, IndexError):
                skipped += 1
                continue
            item = row[cols["item"]] if cols["item"] is not None else "skill:" + "+".join(skills)
            t = _to_time(row[cols["time"]], i) if cols["time"] is not None else float(i)
            rows.append((user, item, t, 1.0 if y >= 0.5 else 0.0, skills))
    info = {
        "file": path,
        "delimiter": "tab" if tab_sep else "comma",
        "columns": {k: (header[v] if v is not None else None) for k, v in cols.items()},
        "rows": len(rows),
        "skipped_rows": skipped,
    }
    return rows, info


def _qmat_skills(path: str) -> dict[str, list[str]]:
    """item (row index, as a string) -> skills (column indices) from a CSR ``.npz``."""
    z = np.load(path)
    indptr, indices = z["indptr"], z["indices"]
    return {
        str(r): [str(c) for c in indices[indptr[r] : indptr[r + 1]].tolist()]
        for r in range(len(indptr) - 1)
    }


def load_answers(
    paths: list[str], limit: int | None = None, qmat: str | None = None
) -> tuple[list[Answers], list[dict[str, Any]]]:
    """Read one or more files with shared id codes (e.g. train and test)."""
    q = _qmat_skills(qmat) if qmat else None
    codes: dict[str, dict[str, int]] = {"u": {}, "i": {}, "s": {}}

    def code(kind: str, key: str) -> int:
        d = codes[kind]
        v = d.get(key)
        if v is None:
            v = d[key] = len(d)
        return v

    out, infos = [], []
    for path in paths:
        rows, info = _read_rows(path, limit)
        if q is not None:
            rows = [(u, it, t, y, q.get(it) or sk) for u, it, t, y, sk in rows]
        order = sorted(range(len(rows)), key=lambda r: rows[r][2])  # stable: ties keep file order
        lu: list[int] = []
        it_: list[int] = []
        tt: list[float] = []
        yy: list[float] = []
        ptr: list[int] = [0]
        idx: list[int] = []
        for r in order:
            u, item, t, y, skills = rows[r]
            lu.append(code("u", u))
            it_.append(code("i", item))
            tt.append(t)
            yy.append(y)
            idx.extend(code("s", s) for s in dict.fromkeys(skills))
            ptr.append(len(idx))
        out.append(
            Answers(
                np.asarray(lu, np.int64),
                np.asarray(it_, np.int64),
                np.asarray(tt, float),
                np.asarray(yy, float),
                np.asarray(ptr, np.int64),
                np.asarray(idx, np.int64),
                [],
                [],
                [],
            )
        )
        multi = int(np.sum(np.diff(ptr) > 1))
        info.update(
            {
                "learners": len(set(lu)),
                "items": len(set(it_)),
                "skills": len(set(idx)),
                "multi_skill_answers": multi,
                "mean_correct": float(np.mean(yy)) if yy else float("nan"),
            }
        )
        infos.append(info)
    names: dict[str, list[str]] = {k: [""] * len(d) for k, d in codes.items()}
    for k, d in codes.items():
        for key, v in d.items():
            names[k][v] = key
    for a in out:
        a.learners, a.items, a.skills = names["u"], names["i"], names["s"]
    return out, infos


def split_answers(a: Answers, test_fraction: float = 0.2, seed: int = 0) -> tuple[Answers, Answers]:
    rng = np.random.default_rng(seed)
    present = np.unique(a.learner)
    test = np.zeros(len(a.learners), dtype=bool)
    k = max(1, int(round(test_fraction * len(present))))
    test[rng.permutation(present)[:k]] = True
    m = test[a.learner]
    return a.subset(~m), a.subset(m)


def fit_lr_model(train: Answers, seed: int = 0) -> Any:
    """Best-LR on the training answers; its item penalty is chosen on a fifth of the training
    learners (by a hash of their id), never on the test learners."""
    X = best_lr_design(
        train.learner,
        train.item,
        train.skill_ptr,
        train.skill_idx,
        train.correct,
        len(train.items),
        len(train.skills),
    )
    val = np.array(
        [zlib.crc32(f"val{seed}:{lid}".encode()) % 5 == 0 for lid in train.learners], dtype=bool
    )[train.learner]
    return fit_best_lr(X, train.correct, len(train.items), len(train.skills), val)


def evaluate_answers(
    train: Answers,
    test: Answers,
    *,
    seed: int = 0,
    forgets: bool = False,
    cold: bool = False,
    lr: bool = True,
    bins: int = 10,
    bootstrap: int = 0,
) -> dict[str, Any]:
    """Fit every model on ``train``; score ``test`` one step ahead (see the module doc).
    ``bootstrap`` > 0: that many resamples of the test learners give each model's AUC a 95 %
    interval and the AUC difference of each model to Best-LR (or Elo) one too."""
    t0 = time.perf_counter()
    params = fit(train.expanded(), seed=seed)
    params_f = fit(train.expanded(), forgets=True, stack_fraction=0, seed=seed) if forgets else None
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    lr_models = {"Best-LR": fit_lr_model(train, seed)} if lr else {}
    lr_s = time.perf_counter() - t1
    engines: dict[str, ModelParams] = {"": params}
    if cold:
        engines[" (unfitted)"] = default_params()
    preds: dict[str, list[float]] = {}
    for suffix in engines:
        for m in ("BKT", "Elo", "Combined"):
            preds[m + suffix] = []
    if params_f is not None:
        preds["BKT+forgets"] = []
    for name in lr_models:
        preds[name] = []
    states: dict[str, dict[int, LearnerState]] = {suffix: {} for suffix in engines}
    lr_states = {name: BestLR() for name in lr_models}
    pk_f: dict[tuple[int, int], float] = {}  # (learner code, skill code)
    S, It, L = test.skills, test.items, test.learners
    t2 = time.perf_counter()
    for r, (lu, it, y, t) in enumerate(
        zip(
            test.learner.tolist(),
            test.item.tolist(),
            test.correct.tolist(),
            test.t.tolist(),
            strict=True,
        )
    ):
        sks = test.skills_of(r)
        item = str(It[it])
        for suffix, prm in engines.items():
            st = states[suffix].get(lu)
            if st is None:
                st = LearnerState(learner=str(L[lu]))
            acc = [0.0, 0.0, 0.0]
            for sk in sks:
                p = predict_all(st, prm, str(S[sk]), item, t)
                acc[0] += p.bkt
                acc[1] += p.elo
                acc[2] += p.combined
            for m, v in zip(("BKT", "Elo", "Combined"), acc, strict=True):
                preds[m + suffix].append(v / len(sks))
            for sk in sks:
                st = update(st, prm, Attempt(str(L[lu]), str(S[sk]), item, y > 0.5, t))
            states[suffix][lu] = st
        if params_f is not None:
            v = 0.0
            for sk in sks:
                bp = params_f.bkt_for(str(S[sk]))
                k = pk_f.get((lu, sk), bp.prior)
                v += _bkt.p_correct(k, bp)
                pk_f[(lu, sk)] = _bkt.step(k, y > 0.5, bp)
            preds["BKT+forgets"].append(v / len(sks))
        for name, w in lr_models.items():
            ols = lr_states[name]
            dense, per_skill = ols.features(lu, it, sks)
            z = w.logit(dense, per_skill, it if it < len(train.items) else -1, sks)
            preds[name].append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
            ols.update(lu, it, sks, y > 0.5)
    replay_s = time.perf_counter() - t2
    yv = test.correct
    order = ["BKT", "BKT+forgets", "Elo", "Best-LR", "Combined"]
    order += [m + " (unfitted)" for m in ("BKT", "Elo", "Combined")]
    models = []
    for name in order:
        if name in preds:
            pr = np.asarray(preds[name])
            models.append(
                {"model": name, **summary(yv, pr), "calibration": calibration(yv, pr, bins)}
            )
    if bootstrap > 0:
        _bootstrap(models, preds, test, bootstrap, seed)
    first = _first_attempt_rows(test)
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "train_learners": int(len(np.unique(train.learner))),
        "test_learners": int(len(np.unique(test.learner))),
        "fit_seconds": round(fit_s, 2),
        "lr_fit_seconds": round(lr_s, 2),
        "test_replay_seconds": round(replay_s, 2),
        "note": "",
        "models": models,
        "first_attempts": {
            "n": int(first.sum()),
            "observed": float(yv[first].mean()) if first.any() else float("nan"),
            "predicted": {
                name: float(np.asarray(preds[name])[first].mean()) for name in preds if first.any()
            },
        },
        "params_info": params.info,
    }


def _bootstrap(
    models: list[dict[str, Any]],
    preds: dict[str, list[float]],
    test: Answers,
    n: int,
    seed: int,
) -> None:
    """Add ``auc_ci`` (2.5 and 97.5 percentiles) and ``auc_gain_ci`` (against the baseline
    Best-LR, else Elo) to each model, from ``n`` resamples of whole test learners."""
    rng = np.random.default_rng(seed)
    learners = np.unique(test.learner)
    rows_of = {int(lu): np.flatnonzero(test.learner == lu) for lu in learners}
    base = "Best-LR" if "Best-LR" in preds else "Elo"
    P = {m["model"]: np.asarray(preds[m["model"]]) for m in models}
    draws: dict[str, list[float]] = {m["model"]: [] for m in models}
    gains: dict[str, list[float]] = {m["model"]: [] for m in models}
    for _ in range(n):
        pick = rng.choice(learners, size=len(learners), replace=True)
        rows = np.concatenate([rows_of[int(lu)] for lu in pick])
        yb = test.correct[rows]
        b = auc(yb, P[base][rows]) if base in P else float("nan")
        for name, p in P.items():
            a = auc(yb, p[rows])
            draws[name].append(a)
            gains[name].append(a - b)
    for m in models:
        m["auc_ci"] = [float(np.percentile(draws[m["model"]], q)) for q in (2.5, 97.5)]
        if m["model"] != base:
            m["auc_gain_ci"] = [float(np.percentile(gains[m["model"]], q)) for q in (2.5, 97.5)]
            m["auc_gain_vs"] = base


def _first_attempt_rows(a: Answers) -> np.ndarray:
    """Answers that are a learner's first on (one of) their skills."""
    seen: set[tuple[int, int]] = set()
    out = np.zeros(len(a), dtype=bool)
    for r, lu in enumerate(a.learner.tolist()):
        for sk in a.skills_of(r):
            if (lu, sk) not in seen:
                seen.add((lu, sk))
                out[r] = True
    return out


def _fmt(x: float, nd: int = 4) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def render(
    res: dict[str, Any], data_info: dict[str, Any] | list[dict[str, Any]] | None = None
) -> str:
    out = []
    for d in data_info if isinstance(data_info, list) else [data_info] if data_info else []:
        out.append(
            f"data: {d['file']} ({d.get('delimiter', 'comma')}-separated): {d['rows']} rows, "
            f"{d['learners']} learners, {d['skills']} skills, {d['items']} items, "
            f"mean correct {d['mean_correct']:.3f}"
            + (
                f", {d['multi_skill_answers']} answers with several skills"
                if d.get("multi_skill_answers")
                else ""
            )
        )
        out.append(f"columns used: {d['columns']}")
    out.append(
        f"split by learner: train {res['train_rows']} rows / {res['train_learners']} learners, "
        f"test {res['test_rows']} rows / {res['test_learners']} learners; fit {res['fit_seconds']}s"
        + (f", logistic models {res['lr_fit_seconds']}s" if "lr_fit_seconds" in res else "")
        + f", test replay {res['test_replay_seconds']}s"
        + (f"; {res['note']}" if res.get("note") else "")
    )
    fa = res.get("first_attempts")
    if fa and fa["n"]:
        pred = ", ".join(f"{k} {v:.3f}" for k, v in fa["predicted"].items())
        out.append(
            f"first attempts on a skill: {fa['n']}, observed rate {fa['observed']:.3f}; "
            f"mean predicted: {pred}"
        )
    out.append("")
    boot = any("auc_ci" in m for m in res["models"])
    out.append(
        "| model | AUC | RMSE | log-loss | accuracy | ECE | n |"
        + (" AUC 95 % (learners resampled) | AUC gain, 95 % |" if boot else "")
    )
    out.append("|---|---|---|---|---|---|---|" + ("---|---|" if boot else ""))
    for m in res["models"]:
        extra = ""
        if boot:
            lo, hi = m["auc_ci"]
            extra = f" {lo:.4f}-{hi:.4f} |"
            if "auc_gain_ci" in m:
                g0, g1 = m["auc_gain_ci"]
                extra += f" {g0:+.4f} to {g1:+.4f} vs {m['auc_gain_vs']} |"
            else:
                extra += " (baseline) |"
        out.append(
            f"| {m['model']} | {_fmt(m['auc'])} | {_fmt(m['rmse'])} | {_fmt(m['logloss'])} | "
            f"{_fmt(m['accuracy'])} | {_fmt(m['ece'])} | {m['n']} |" + extra
        )
    out.append("")
    out.append("calibration (per bin of predicted P(correct): mean predicted / observed rate (n))")
    names = [m["model"] for m in res["models"]]
    out.append("| bin | " + " | ".join(names) + " |")
    out.append("|---|" + "---|" * len(names))
    nb = len(res["models"][0]["calibration"]) if res["models"] else 0
    for b in range(nb):
        cells = []
        for m in res["models"]:
            r = m["calibration"][b]
            cells.append(
                f"{_fmt(r['predicted'], 3)} / {_fmt(r['observed'], 3)} ({r['n']})"
                if r["n"]
                else "-"
            )
        lo, hi = res["models"][0]["calibration"][b]["lo"], res["models"][0]["calibration"][b]["hi"]
        out.append(f"| {lo:.1f}-{hi:.1f} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tutor.adaptive.evaluate", description=__doc__.split("\n\n")[0]
    )
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="one file, split by learner (--test-fraction, --seed)")
    src.add_argument("--train", help="a given split: the training file (with --test)")
    ap.add_argument("--test", help="a given split: the held-out learners' file")
    ap.add_argument("--qmat", help="item x skill Q-matrix (CSR .npz): skills per item")
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--forgets", action="store_true", help="add a BKT+forgets row")
    ap.add_argument("--cold", action="store_true", help="add the engine's unfitted models")
    ap.add_argument("--no-lr", action="store_true", help="leave out Best-LR")
    ap.add_argument("--pybkt", action="store_true", help="add a pyBKT row (single file only)")
    ap.add_argument(
        "--online-items",
        action="store_true",
        help="keep updating item difficulty on the test stream (single file only)",
    )
    ap.add_argument("--limit", type=int, help="read at most this many rows per file")
    ap.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="N resamples of the test learners: 95 %% intervals of AUC and of AUC gains",
    )
    ap.add_argument("--json", help="write the full results (with calibration tables) here")
    args = ap.parse_args(argv)
    if args.train and not args.test:
        ap.error("--train needs --test")
    if args.pybkt or args.online_items:
        if not args.data:
            ap.error("--pybkt and --online-items work with --data only")
        tab, info = load_csv(args.data, args.limit)
        train_t, test_t = split_learners(tab, args.test_fraction, args.seed)
        res = evaluate_tables(
            train_t,
            test_t,
            seed=args.seed,
            forgets=args.forgets,
            pybkt=args.pybkt,
            online_items=args.online_items,
        )
        infos: Any = info
    else:
        if args.data:
            (whole,), infos = load_answers([args.data], args.limit, args.qmat)
            train, test = split_answers(whole, args.test_fraction, args.seed)
        else:
            (train, test), infos = load_answers([args.train, args.test], args.limit, args.qmat)
            overlap = set(train.learner.tolist()) & set(test.learner.tolist())
            if overlap:
                print(f"warning: {len(overlap)} learners are in both files", file=sys.stderr)
        res = evaluate_answers(
            train,
            test,
            seed=args.seed,
            forgets=args.forgets,
            cold=args.cold,
            lr=not args.no_lr,
            bootstrap=args.bootstrap,
        )
    res["data"] = infos
    print(render(res, infos))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
