"""Benchmark of curriculum loading: the full OATutor pool and the demo package.

    python -m curriculum.bench [--pool ../shared/data/oatutor] [--skip-demo] [--json out.json]

Runs against a fresh SQLite database in a temporary folder (never the project's own), and
prints a table: dry run, import, and a re-import of the same content, each timed, with counts
and what was skipped and why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POOL = REPO.parent / "shared" / "data" / "oatutor"


def _setup(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _run(label: str, source: Path, fmt: str, dry_run: bool) -> dict:
    from curriculum.services import load_curriculum

    started, cpu = time.perf_counter(), time.process_time()
    report = load_curriculum(source, fmt=fmt, dry_run=dry_run)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    changes: dict[str, dict[str, int]] = {}
    for change in report.changes:
        for kind, counts in change["counts"].items():
            bucket = changes.setdefault(kind, {})
            for action, n in counts.items():
                bucket[action] = bucket.get(action, 0) + n
    return {
        "run": label,
        "seconds": round(elapsed, 2),
        # CPU seconds of this process: what the run costs when the machine is shared.
        "cpu_seconds": round(cpu, 2),
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "counts": report.counts,
        "changes": changes,
        "timings": report.timings,
        "mapping": report.mapping,
        "first_errors": [str(e) for e in report.errors[:10]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pool", type=Path, default=DEFAULT_POOL)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-pool", action="store_true")
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="curriculum-bench-") as tmp:
        _setup(Path(tmp) / "bench.sqlite3")
        rows = []
        if not args.skip_demo:
            demo = REPO / "curriculum" / "demo"
            rows += [
                _run("demo: dry run", demo, "native", True),
                _run("demo: import", demo, "native", False),
                _run("demo: re-import (same)", demo, "native", False),
            ]
        if not args.skip_pool:
            if not (args.pool / "coursePlans.json").exists():
                print(f"OATutor pool not found at {args.pool}: skipped", file=sys.stderr)
            else:
                rows += [
                    _run("oatutor: dry run", args.pool, "oatutor", True),
                    _run("oatutor: import", args.pool, "oatutor", False),
                    _run("oatutor: re-import (same)", args.pool, "oatutor", False),
                ]
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs")
        print(
            f"{'run':28} {'wall s':>8} {'cpu s':>7} {'ok':>4} {'errors':>6}  problems  hints  "
            "created/updated/retired/unchanged problems"
        )
        for row in rows:
            p = row["changes"].get("problem", {})
            print(
                f"{row['run']:28} {row['seconds']:8.2f} {row['cpu_seconds']:7.2f} {str(row['ok']):>4} {row['errors']:6d}  "
                f"{row['counts'].get('problems', 0):8d} {row['counts'].get('hints', 0):6d}  "
                f"{p.get('create', 0)}/{p.get('update', 0)}/{p.get('retire', 0)}/{p.get('unchanged', 0)}"
            )
        for row in rows:
            if row["run"].endswith("dry run"):
                print(f"\n{row['run']}: phases {row['timings']}")
                for key, value in row["mapping"].items():
                    if isinstance(value, dict):
                        print(f"  {key}:")
                        for k, v in value.items():
                            print(f"    {k}: {v}")
                    elif isinstance(value, list):
                        print(f"  {key}:")
                        for v in value[:5]:
                            print(f"    {v}")
            if row["first_errors"]:
                print(f"\n{row['run']}: first errors:")
                for e in row["first_errors"]:
                    print(f"  {e}")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
