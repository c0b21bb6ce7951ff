"""Submit every math span of every statement as the answer (issue 12): a curriculum whose
statements can be typed back for credit corrupts mastery and dashboards.

``restatement_report`` runs over loaded-but-not-written packages (the demo curriculum, the
OATutor pool): each problem's spec as the loader stores it (with its task and the
statement's expressions as ``given``), and, for comparison, the bare spec (kind, key and the
author's options only), which is what the checker judged before tasks existed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from curriculum.package import RawPackage
from curriculum.validation import validate


@dataclass
class RestatementReport:
    source: str
    packages: int = 0
    packages_invalid: int = 0
    problems: int = 0
    problems_with_task: int = 0
    spans: int = 0
    accepted_bare: int = 0  # spans accepted by the bare spec (no task, no given)
    problems_accepting_bare: int = 0
    accepted_legitimate: list[tuple[str, str]] = field(default_factory=list)  # the key itself
    accepted: list[tuple[str, str]] = field(default_factory=list)  # a restatement got credit
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _bare(spec: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in (spec.get("options") or {}).items() if k not in ("task", "given")}
    return {"kind": spec["kind"], "key": spec["key"], **({"options": options} if options else {})}


def restatement_report(
    source: str,
    packages: Iterable[RawPackage],
    *,
    compare_bare: bool = True,
    source_format: str = "native",
) -> RestatementReport:
    """Every statement span of every valid package's problems, checked as the answer."""
    from curriculum.answers.statements import accepted_spans
    from curriculum.answers.tasks import math_spans

    out = RestatementReport(source)
    start = time.perf_counter()
    for raw in packages:
        out.packages += 1
        result = validate(raw, source_format=source_format)
        if not result.ok:
            out.packages_invalid += 1
            continue
        for plan in result.plans:
            for p in plan.problems:
                spec = p["answer_spec"]
                out.problems += 1
                out.problems_with_task += "task" in (spec.get("options") or {})
                out.spans += len(math_spans(p["statement"]))
                where = f"{plan.course['slug']}/{p['slug']}"
                for a in accepted_spans(p["statement"], spec):
                    (out.accepted_legitimate if a.legitimate else out.accepted).append(
                        (where, a.span)
                    )
                if compare_bare:
                    bare = [
                        a for a in accepted_spans(p["statement"], _bare(spec)) if not a.legitimate
                    ]
                    out.accepted_bare += len(bare)
                    out.problems_accepting_bare += bool(bare)
    out.seconds = time.perf_counter() - start
    return out


def format_restatement_report(r: RestatementReport, *, listed: int = 20) -> str:
    lines = [
        f"{r.source}: {r.problems} problems ({r.problems_with_task} with a task) in "
        f"{r.packages - r.packages_invalid} packages"
        + (f" ({r.packages_invalid} invalid, skipped)" if r.packages_invalid else "")
        + f", {r.spans} statement spans submitted as the answer ({r.seconds:.1f} s)",
        f"  accepted as the answer:             {len(r.accepted)}"
        + ("" if r.accepted else "  (none)"),
        f"  accepted, being the key itself:      {len(r.accepted_legitimate)} (legitimate, listed)",
    ]
    if r.accepted_bare or r.problems_accepting_bare:
        lines.append(
            f"  without tasks and given (the bare spec): {r.accepted_bare} spans accepted "
            f"in {r.problems_accepting_bare} problems"
        )
    for title, items in (("accepted", r.accepted), ("legitimate", r.accepted_legitimate)):
        if items:
            lines.append(f"  {title} (first {min(listed, len(items))}):")
            lines += [f"    {where}: ${span}$" for where, span in items[:listed]]
    return "\n".join(lines)
