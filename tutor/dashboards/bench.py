"""Benchmark of the class dashboard on a seeded class (default 40 students × 30 skills × 50k
answers): server time to render each page and its query count.

    .venv/bin/python -m tutor.dashboards.bench [--students 40 --skills 30 --attempts 50000]
        [--assignments 8]

It builds a throw-away SQLite database in a temporary directory (migrate + seed), so it
touches nothing else. Server time is measured around Django's test client (middleware, view,
template), which is what a request costs the server minus the network.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return (
        f"{cpu or 'unknown CPU'}, {os.cpu_count()} logical cores{load}, "
        f"Python {platform.python_version()}"
    )


def _assign(seeded, n: int) -> None:
    """Assignments on the class, half of them past due, so their progress is in the timings."""
    from datetime import timedelta

    from django.utils import timezone

    from curriculum.models import Problem
    from tutor.models import Assignment

    problems = list(Problem.objects.filter(skill__in=seeded.skills).order_by("id"))
    for i in range(n):
        due = timezone.now() + timedelta(days=i - n // 2)
        a = Assignment.objects.create(classroom=seeded.classroom, title=f"Set {i}", due_at=due)
        a.skills.set(seeded.skills[i % len(seeded.skills) :][:3])
        a.problems.set(problems[10 * i : 10 * i + 10])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--skills", type=int, default=30)
    parser.add_argument("--attempts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--assignments", type=int, default=8, help="each of 3 skills and 10 problems"
    )
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="dash-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from tutor.dashboards.seed import seed_class

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    print(f"machine: {_machine()}; database: SQLite (file, WAL)", flush=True)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    seeded = seed_class(students=args.students, skills=args.skills, attempts=args.attempts)
    print(
        f"seeded {args.students} students × {args.skills} skills, {args.attempts} answers, "
        f"{args.assignments} assignments "
        f"in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    _assign(seeded, args.assignments)
    client = Client()
    client.force_login(seeded.teacher)
    cid = seeded.classroom.pk
    pages = [
        ("dashboard", reverse("classroom", args=[cid]), {}),
        (
            "dashboard sorted by a skill",
            reverse("classroom", args=[cid]),
            {"sort": f"skill-{seeded.skills[0].pk}", "dir": "desc"},
        ),
        ("dashboard, weakest skills first", reverse("classroom", args=[cid]), {"cols": "weakest"}),
        ("student drill-down", reverse("classroom_student", args=[cid, seeded.students[0].pk]), {}),
        ("mastery CSV", reverse("classroom_export_mastery", args=[cid]), {}),
    ]
    print()
    print("| page | median ms | p90 ms | min ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, url, params in pages:
        client.get(url, params)  # warm per-process caches (course graph, parameters)
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, params)
                body = b"".join(response) if response.streaming else response.content
                times.append(1000 * (time.perf_counter() - start))
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        print(
            f"| {name} | {statistics.median(times):.0f} | {times[int(0.9 * (len(times) - 1))]:.0f} "
            f"| {times[0]:.0f} | {len(queries)} | {len(body)} |",
            flush=True,
        )
    # What each open dashboard renders per answer (the websocket consumer's work).
    from tutor.dashboards import live
    from tutor.models import Attempt

    latest = Attempt.objects.filter(learner__in=seeded.students).latest("id").pk
    live.attempt_fragments(seeded.classroom, latest)
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            sent = live.attempt_fragments(seeded.classroom, latest)
            times.append(1000 * (time.perf_counter() - start))
    times.sort()
    print(
        f"| live update (per answer, per open dashboard) | {statistics.median(times):.0f} "
        f"| {times[int(0.9 * (len(times) - 1))]:.0f} | {times[0]:.0f} | {len(queries)} "
        f"| {sum(len(m) for m in sent)} |",
        flush=True,
    )
    # The attempts export streams every answer of the class: time to the last byte, one run.
    url = reverse("classroom_export_attempts", args=[cid])
    start = time.perf_counter()
    response = client.get(url)
    first = None
    n = 0
    for chunk in response:
        if first is None:
            first = time.perf_counter() - start
        n += chunk.count(b"\n")
    total = time.perf_counter() - start
    print(
        f"\nattempts CSV: {n - 1} rows streamed; first row after {1000 * first:.0f} ms, "
        f"all after {total:.2f} s"
    )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
