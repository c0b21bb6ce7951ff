"""Evaluation harness: ``python -m tutor.adaptive.evaluate --data FILE.csv``.

Long-format input, one row per graded attempt, with a header naming (aliases accepted):
user (user_id, learner, student ...), skill (skill_id, skill_name, kc ...), item (item_id,
problem_id, question ...; optional: the skill stands in for it), correct (0/1), and order or
timestamp (numbers, or ISO dates). Learners are split into train and test (default 80/20,
seeded); every model is fitted on train; on the test learners each attempt is predicted from the
state before it and only then used to update (the way the app runs). Prints AUC, RMSE, log-loss,
accuracy, expected calibration error, and a calibration table, one row or column per model:

* ``BKT`` - plain per-skill BKT fitted by EM (what pyBKT's default model gives);
* ``BKT+forgets`` - the same with P(F) (``--forgets``);
* ``pyBKT`` - pyBKT itself, if it is importable (``--pybkt``);
* ``Elo`` - learner ability (global + per skill) and item difficulty;
* ``Combined`` - the logistic model over BKT, Elo and count features.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np

from . import bkt as _bkt
from .elo import item_step
from .engine import AttemptTable, fit, predict_all, update
from .metrics import calibration, summary
from .model import Attempt, LearnerState

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
        cols = {k: _find(header, k) for k in ALIASES}
        for k in ("user", "skill", "correct"):
            if cols[k] is None:
                raise SystemExit(
                    f"{path}: no column for {k!r} (accepted names: {', '.join(ALIASES[k])})"
                )
        users, skills, items, ys, ts = [], [], [], [], []
        skipped = 0
        for i, row in enumerate(rd):
            if limit is not None and i >= limit:
                break
            try:
                y = float(row[cols["correct"]])
            except (ValueError, IndexError):
                skipped += 1
                continue
            sk = row[cols["skill"]].strip() or "(none)"
            users.append(row[cols["user"]])
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
        import pandas as pd  # noqa: PLC0415
        from pyBKT.models import Model  # noqa: PLC0415
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
            p = np.asarray(preds[name])
            models.append({"model": name, **summary(y, p), "calibration": calibration(y, p, bins)})
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


def _fmt(x: float, nd: int = 4) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def render(res: dict[str, Any], data_info: dict[str, Any] | None = None) -> str:
    out = []
    if data_info:
        out.append(
            f"data: {data_info['file']}: {data_info['rows']} rows, {data_info['learners']} learners, "
            f"{data_info['skills']} skills, {data_info['items']} items, mean correct {data_info['mean_correct']:.3f}"
        )
        out.append(f"columns used: {data_info['columns']}")
    out.append(
        f"split by learner: train {res['train_rows']} rows / {res['train_learners']} learners, "
        f"test {res['test_rows']} rows / {res['test_learners']} learners; fit {res['fit_seconds']}s, "
        f"test replay {res['test_replay_seconds']}s"
        + (f"; {res['note']}" if res.get("note") else "")
    )
    out.append("")
    out.append("| model | AUC | RMSE | log-loss | accuracy | ECE | n |")
    out.append("|---|---|---|---|---|---|---|")
    for m in res["models"]:
        out.append(
            f"| {m['model']} | {_fmt(m['auc'])} | {_fmt(m['rmse'])} | {_fmt(m['logloss'])} | "
            f"{_fmt(m['accuracy'])} | {_fmt(m['ece'])} | {m['n']} |"
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
    ap.add_argument(
        "--data",
        required=True,
        help="long-format CSV (user, skill, item, correct, order/timestamp)",
    )
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--forgets", action="store_true", help="add a BKT+forgets row")
    ap.add_argument("--pybkt", action="store_true", help="add a pyBKT row (needs pyBKT installed)")
    ap.add_argument(
        "--online-items",
        action="store_true",
        help="keep updating item difficulty on the test stream",
    )
    ap.add_argument("--limit", type=int, help="read at most this many rows")
    ap.add_argument("--json", help="write the full results (with calibration tables) here")
    args = ap.parse_args(argv)
    tab, info = load_csv(args.data, args.limit)
    train, test = split_learners(tab, args.test_fraction, args.seed)
    res = evaluate_tables(
        train,
        test,
        seed=args.seed,
        forgets=args.forgets,
        pybkt=args.pybkt,
        online_items=args.online_items,
    )
    res["data"] = info
    print(render(res, info))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
