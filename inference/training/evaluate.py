"""How well the built-in tutor model explains: ``python -m inference.training.evaluate``.

A benchmark, not a test. Two problem sets:

* **held-out**: problems of every family drawn from the ``heldout`` split of
  ``inference.training.data`` (problems the training split never emits), ``--per-family`` each;
* **demo**: every problem of the demo curriculum (``curriculum/demo/course.yaml``: each template
  instance and each written problem) and of the small demo course of ``tutor/demo.py``.

Each problem is explained twice through the real engine (``inference.engines.local.LocalEngine``,
continuous batching): with the engine's exact arithmetic (CALC results inserted by the CAS, every
line checked, a failed line written again from the last good line) and as the raw model (no
inserted results, no retries). For each it reports, per family: the share whose final answer the answer checker verifies
against the problem's key, the share whose every step is CAS-valid (``inference.steps.check``), the
share not covered, and **wrong-but-shown-as-checked**: explanations the engine presented as complete
and checked whose answer the key rejects (must be 0).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from curriculum.answers import check_inline
from curriculum.generate import instantiate
from inference.engines.base import GenerationRequest
from inference.engines.local import LocalEngine
from inference.steps.check import check_solution
from inference.steps.problems import read_problem
from inference.training import data as tutor_data
from inference.verify import extract_final_answer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "inference" / "tutor_model"
DEMO = ROOT / "curriculum" / "demo" / "course.yaml"


@dataclass
class Item:
    family: str
    statement: str
    spec: dict


@dataclass
class Outcome:
    covered: bool
    verified: bool  # the final answer agrees with the key
    steps_valid: bool  # every line of the final explanation is CAS-valid
    shown_checked_wrong: bool  # presented as a checked explanation, but the key rejects it
    restarts: int
    tokens: int
    corrections: int = 0  # lines the CAS corrected or wrote
    backtracks: int = 0  # true steps the engine went back on


def heldout_items(per_family: int, seed: int = 20261206) -> list[Item]:
    counts: dict[str, int] = defaultdict(int)
    items: list[Item] = []
    for ex in tutor_data.stream(per_family * len(tutor_data.FAMILIES) * 4, seed, "heldout"):
        if counts[ex.family] < per_family:
            counts[ex.family] += 1
            items.append(Item(ex.family, ex.prompt, ex.spec))
        if len(items) >= per_family * len(tutor_data.FAMILIES):
            break
    return items


def demo_items(path: Path = DEMO) -> list[Item]:
    course = yaml.safe_load(path.read_text(encoding="utf-8"))
    items: list[Item] = []
    for unit in course["units"]:
        for skill in unit["skills"]:
            for problem in skill.get("problems", []):
                items.append(
                    Item(f"written:{skill['slug']}", problem["statement"], problem["answer"])
                )
            for template in skill.get("templates", []):
                for inst in instantiate(template):
                    items.append(
                        Item(template["slug"], inst.problem["statement"], inst.problem["answer"])
                    )
    return items


def seeded_demo_items() -> list[Item]:
    """The small demo course that `manage.py seed_demo` creates (tutor/demo.py)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from tutor.demo import DEMO_SKILLS

    return [
        Item(f"seeded:{skill_slug}", statement, spec)
        for skill_slug, _, problems in DEMO_SKILLS
        for _, statement, spec, _ in problems
    ]


def judge(item: Item, text: str, handle) -> Outcome:
    if handle.finish_reason == "unsupported":
        return Outcome(False, False, False, False, 0, 0)
    answer = extract_final_answer(text) if handle.checked is not False else None
    verified = bool(answer) and check_inline(answer, item.spec).correct
    problem = read_problem(item.statement)
    steps_valid = problem is not None and check_solution(problem, text).all_steps_valid
    # What the student would see as a finished, checked explanation.
    presented_checked = handle.checked is True
    return Outcome(
        True,
        verified,
        steps_valid,
        presented_checked and not verified,
        handle.retries,
        handle.completion_tokens,
        handle.corrections,
        handle.backtracks,
    )


def run_engine(engine: LocalEngine, items: list[Item], batch: int) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        handles = [
            engine.submit(GenerationRequest(messages=[], statement=it.statement, seed=i))
            for i, it in enumerate(chunk)
        ]
        for it, h in zip(chunk, handles, strict=True):
            outcomes.append(judge(it, "".join(h), h))
    return outcomes


def table(title: str, items: list[Item], exact: list[Outcome], raw: list[Outcome]) -> str:
    by_family: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_family[it.family].append(i)

    def pct(outs: list[Outcome], idx: list[int], attr: str) -> str:
        covered = [outs[i] for i in idx if outs[i].covered]
        if not covered:
            return "-"
        return f"{100 * sum(getattr(o, attr) for o in covered) / len(covered):.1f}"

    head = (
        f"{'family':<28}{'n':>5}{'covered':>9}{'exact: verified':>17}{'steps ok':>10}"
        f"{'retries':>10}{'fixed':>7}{'back':>6}{'shown-wrong':>13}{'raw: verified':>15}{'steps ok':>10}"
    )
    lines = [title, head, "-" * len(head)]
    rows = sorted(by_family.items()) + [("ALL", list(range(len(items))))]
    for family, idx in rows:
        cov = sum(exact[i].covered for i in idx)
        restarts = sum(exact[i].restarts for i in idx)
        fixed = sum(exact[i].corrections for i in idx)
        back = sum(exact[i].backtracks for i in idx)
        wrong = sum(exact[i].shown_checked_wrong for i in idx)
        lines.append(
            f"{family:<28}{len(idx):>5}{cov:>9}{pct(exact, idx, 'verified'):>17}"
            f"{pct(exact, idx, 'steps_valid'):>10}{restarts:>10}{fixed:>7}{back:>6}{wrong:>13}"
            f"{pct(raw, idx, 'verified'):>15}{pct(raw, idx, 'steps_valid'):>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--per-family", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32, help="explanations in flight at once")
    ap.add_argument("--threads", type=int, default=1)  # 2 fight over a busy 2-core machine
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-heldout", action="store_true")
    a = ap.parse_args(argv)
    sets = []
    if not a.skip_heldout:
        sets.append(("held-out problems", heldout_items(a.per_family)))
    if not a.skip_demo:
        sets.append(("demo curricula (every problem)", demo_items() + seeded_demo_items()))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; torch {torch.__version__}, {a.threads} threads; model {a.model}"
    )
    exact_engine = LocalEngine(a.model, torch_threads=a.threads, max_batch_size=a.batch)
    raw_engine = LocalEngine(a.model, max_batch_size=a.batch, exact_arithmetic=False)
    try:
        for title, items in sets:
            t0 = time.monotonic()
            exact = run_engine(exact_engine, items, a.batch)
            t1 = time.monotonic()
            raw = run_engine(raw_engine, items, a.batch)
            t2 = time.monotonic()
            print()
            print(table(f"{title}: {len(items)} problems", items, exact, raw))
            print(
                f"time: exact {t1 - t0:.0f} s ({sum(o.tokens for o in exact)} tokens), "
                f"raw {t2 - t1:.0f} s ({sum(o.tokens for o in raw)} tokens)"
            )
    finally:
        exact_engine.close()
        raw_engine.close()


if __name__ == "__main__":
    main()
