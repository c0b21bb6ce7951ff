"""A classroom at full load, against the real stack on loopback: `python -m tutor.loadtest`.

By default it prepares the database named by DATABASE_URL as `make run` does (migrate, the demo
curriculum, the demo users), starts the `Procfile` with honcho exactly as `make run` does (the
private Redis, several daphne processes, the supervised worker and beat) on free ports, and then:

1. every student logs in (the real log-in form, real password hashing);
2. every student answers `--answers` problems (problem page, then the htmx POST), with a think
   time between answers (5-15 s by default); a 503 is resent after its Retry-After, as the
   page does (a log-in answered 503 is pressed again, as a student would);
3. meanwhile `--streams` students ask for an explanation and read its websocket to the end, and
   the demo teacher watches the class's live dashboard socket (all load students are in it);
4. one student opens `--burst` websockets at once (the per-user cap closes those over it).

It reports per-endpoint p50/p95/p99 and errors, answers sent against answers stored (counted in
the database), whether the dashboard socket stayed alive, and CPU seconds and peak memory per
process. Bounded: at most 1,000 students, `--time-limit` seconds, loopback addresses only.
Needs the development dependencies (`websockets`); run from the activated `.venv`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1"
PREFIX = "load-"
MAX_STUDENTS = 1000
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_INPUT = re.compile(r'name="started" value="([^"]+)"')
GENERATION_ID = re.compile(r"/ws/generations/(\d+)/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Results:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    answers_sent: int = 0
    answers_retried: int = 0
    logins_retried: int = 0
    stream_ttft: list[float] = field(default_factory=list)
    stream_total: list[float] = field(default_factory=list)
    stream_ends: Counter = field(default_factory=Counter)
    dashboard_messages: int = 0
    dashboard_closed: str | None = None
    dashboard_events: Counter = field(default_factory=Counter)
    burst: Counter = field(default_factory=Counter)

    def record(self, name: str, started: float, status: int) -> None:
        self.latency[name].append(time.monotonic() - started)
        self.statuses[name][status] += 1


# --- The stack -------------------------------------------------------------------------------


class Stack:
    """`make run`'s processes under honcho, in their own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_path = log_dir / "honcho.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "honcho"), "start", "-f", "Procfile"],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def processes(self) -> dict[int, str]:
        """Every process of the stack by pid, with a short name."""
        import psutil

        names: dict[int, str] = {}
        try:
            root = psutil.Process(self.proc.pid)
            for proc in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    names[proc.pid] = _name(proc.cmdline())
        except psutil.Error:
            pass
        return names

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def _name(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    for needle, name in (
        ("config.supervise", "supervise"),
        ("redis-server", "redis"),
        ("config.serve", "web: config.serve"),
        ("daphne", "web: daphne"),
        ("celery -A config worker", "worker"),
        ("celery -A config beat", "beat"),
        ("config.embedded_redis", "redis launcher"),
        ("multiprocessing", "answer checker"),
        ("curriculum.answers", "answer checker"),
    ):
        if needle in text:
            return name
    return " ".join(Path(part).name for part in cmdline[:4])[:60]


class Sampler(threading.Thread):
    """CPU seconds and peak memory (RSS) per process of the stack, sampled every second."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.peak: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop_event.is_set():
            for pid, name in self.stack.processes().items():
                with contextlib.suppress(psutil.Error):
                    proc = psutil.Process(pid)
                    times = proc.cpu_times()
                    cpu = times.user + times.system
                    self.first.setdefault(pid, cpu)
                    self.last[pid] = cpu
                    self.peak[pid] = max(self.peak.get(pid, 0), proc.memory_info().rss)
                    self.names[pid] = name
            self.stop_event.wait(1.0)

    def table(self, wall: float) -> list[tuple[str, int, float, float, float]]:
        """(name, processes, CPU s, mean CPU %, peak RSS MiB summed) per kind of process."""
        rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for pid, name in self.names.items():
            row = rows[name]
            row[0] += 1
            row[1] += self.last.get(pid, 0.0) - self.first.get(pid, 0.0)
            row[2] += self.peak.get(pid, 0) / 2**20
        return [
            (name, int(n), cpu, 100 * cpu / wall, rss)
            for name, (n, cpu, rss) in sorted(rows.items(), key=lambda kv: -kv[1][1])
        ]


def prepare_database(env: dict[str, str]) -> None:
    for args in (
        ["migrate", "--noinput", "-v", "0"],
        ["load_curriculum", "curriculum/demo"],
        ["seed_demo"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def wait_healthy(base_url: str, timeout: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(f"{base_url}/healthz", timeout=5)
            last = response.text
            body = response.json()
            if body.get("status") == "ok" and "gpu" in body["checks"]["workers"]["queues"]:
                return
        time.sleep(1)
    raise RuntimeError(f"the stack did not become healthy within {timeout:.0f} s: {last}")


# --- Data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    students: list[str]
    problems: list[tuple[int, str]]  # (id, an answer to type)
    classroom_id: int


def make_students(count: int) -> World:
    """Load students (a fresh set each run) enrolled in the demo class; one password hash."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from curriculum.models import Problem
    from tutor.demo import DEMO_JOIN_CODE
    from tutor.models import STUDENT_GROUP, Classroom, Enrollment, User

    User.objects.filter(username__startswith=PREFIX).delete()
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"{PREFIX}{i:04d}", password=hashed) for i in range(count)]
    )
    group, _ = Group.objects.get_or_create(name=STUDENT_GROUP)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users]
    )
    classroom = Classroom.objects.get(join_code=DEMO_JOIN_CODE)
    Enrollment.objects.bulk_create([Enrollment(classroom=classroom, student=u) for u in users])
    problems = []
    for problem in Problem.objects.filter(
        skill__course=classroom.course, skill__course__is_published=True
    ).order_by("pk"):
        key = problem.answer_spec.get("key")
        answer = str(key[0]) if isinstance(key, list) and key else "1"
        if problem.answer_spec.get("kind") in {"number", "expression", "equation"}:
            problems.append((problem.pk, answer))
    return World([u.username for u in users], problems, classroom.pk)


def stored_answers() -> int:
    from tutor.models import Attempt

    return Attempt.objects.filter(learner__username__startswith=PREFIX).count()


# --- Clients -------------------------------------------------------------------------------


def _ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


def _cookie_header(client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def _post_until_served(client, url: str, what: str, results: Results, **kwargs):
    """POST, and resend a 503 after its Retry-After as the page (or the student) does, up to
    20 times; every try is recorded under ``what``. Returns the last response and the number
    of resends."""
    resent = 0
    for _attempt in range(20):
        started = time.monotonic()
        response = await client.post(url, **kwargs)
        results.record(what, started, response.status_code)
        if response.status_code != 503:
            break
        resent += 1
        await asyncio.sleep(float(response.headers.get("Retry-After", "2")))
    return response, resent


async def log_in(client, username: str, password: str, results: Results) -> bool:
    page = await client.get("/accounts/login/")
    token = CSRF_INPUT.search(page.text)
    data = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": token.group(1) if token else "",
    }
    # A student told "very busy" presses the button again.
    response, resent = await _post_until_served(
        client, "/accounts/login/", "login", results, data=data
    )
    results.logins_retried += resent
    if response.status_code != 302:
        results.errors.append(f"login {username}: HTTP {response.status_code}")
        return False
    return True


async def answer(client, problem: tuple[int, str], results: Results, wrong: bool) -> None:
    pid, key = problem
    started = time.monotonic()
    page = await client.get(f"/problems/{pid}/")
    results.record("problem page", started, page.status_code)
    if page.status_code != 200:
        results.errors.append(f"problem page {pid}: HTTP {page.status_code}")
        return
    token = CSRF_INPUT.search(page.text).group(1)
    stamp = STARTED_INPUT.search(page.text)
    data = {"answer": f"{key}1" if wrong else key, "started": stamp.group(1) if stamp else ""}
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    results.answers_sent += 1
    response, resent = await _post_until_served(
        client, f"/problems/{pid}/answer/", "answer", results, data=data, headers=headers
    )
    results.answers_retried += resent
    if response.status_code != 200:
        results.errors.append(f"answer {pid}: HTTP {response.status_code}")


async def explain(client, base_url: str, pid: int, results: Results) -> None:
    from websockets.asyncio.client import connect

    page = await client.get(f"/problems/{pid}/")
    token = CSRF_INPUT.search(page.text).group(1)
    started = time.monotonic()
    response = await client.post(
        f"/problems/{pid}/explain/",
        data={"purpose": "explanation"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    results.record("explain (POST)", started, response.status_code)
    found = GENERATION_ID.search(response.text)
    if response.status_code != 200 or not found:
        results.errors.append(f"explain {pid}: HTTP {response.status_code} {response.text[:120]}")
        results.stream_ends["refused"] += 1
        return
    headers = {"Cookie": _cookie_header(client), "Origin": base_url}
    first = None
    async with connect(
        _ws_url(base_url, f"/ws/generations/{found.group(1)}/"),
        additional_headers=headers,
        open_timeout=60,
        close_timeout=5,
    ) as ws:
        await ws.send(json.dumps({"action": "resume", "last": "0-0"}))
        async for message in ws:
            if first is None and "-raw" in message and 'hx-swap-oob="beforeend"' in message:
                first = time.monotonic() - started
            if '-controls" hx-swap-oob="innerHTML"' in message:
                state = re.search(r'data-state="(\w+)"', message)
                results.stream_ends[state.group(1) if state else "?"] += 1
                break
    results.stream_total.append(time.monotonic() - started)
    if first is not None:
        results.stream_ttft.append(first)


async def watch_dashboard(base_url: str, classroom_id: int, results: Results, stop) -> None:
    """The teacher's live dashboard: reconnects as the page's script does when the server says
    "try again later" (1013) or a handshake fails; each such event is counted."""
    import httpx
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        if not await log_in(client, "demo-teacher", "tutor-demo", results):
            results.dashboard_closed = "could not log in"
            return
        headers = {"Cookie": _cookie_header(client), "Origin": base_url}
        while not stop.is_set():
            try:
                async with connect(
                    _ws_url(base_url, f"/ws/classes/{classroom_id}/"),
                    additional_headers=headers,
                    open_timeout=60,
                ) as ws:
                    while not stop.is_set():
                        try:
                            await asyncio.wait_for(ws.recv(), timeout=0.5)
                            results.dashboard_messages += 1
                        except TimeoutError:
                            continue
                    return
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else "?"
                results.dashboard_events[f"closed {code}"] += 1
            except InvalidStatus as exc:
                results.dashboard_events[f"handshake HTTP {exc.response.status_code}"] += 1
            except (OSError, TimeoutError) as exc:
                results.dashboard_events[type(exc).__name__] += 1
            await asyncio.sleep(1)


async def student(
    base_url: str,
    username: str,
    world: World,
    args,
    results: Results,
    logged_in: asyncio.Event,
    go: asyncio.Event,
    streams_left: list[int],
    rng: random.Random,
) -> None:
    import httpx

    limits = httpx.Limits(max_connections=2)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        try:
            ok = await log_in(client, username, PASSWORD, results)
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            results.errors.append(f"login {username}: {type(exc).__name__}: {exc}")
            ok = False
        finally:
            logged_in.set()
        await go.wait()
        if not ok:
            return
        wants_stream = bool(streams_left) and streams_left.pop()
        stream_task = None
        try:
            for i in range(args.answers):
                await asyncio.sleep(rng.uniform(args.think_min, args.think_max))
                await answer(client, rng.choice(world.problems), results, rng.random() < 0.3)
                if wants_stream and i == 0:
                    pid = rng.choice(world.problems)[0]
                    stream_task = asyncio.create_task(explain(client, base_url, pid, results))
        except Exception as exc:  # noqa: BLE001
            results.errors.append(f"answers {username}: {type(exc).__name__}: {exc}")
        if stream_task is not None:
            try:
                await stream_task
            except Exception as exc:  # noqa: BLE001
                results.errors.append(f"stream {username}: {type(exc).__name__}: {exc}")
                results.stream_ends["error"] += 1


async def burst(base_url: str, count: int, results: Results) -> None:
    """One user opens `count` sockets at once: each is accepted, closed by the cap (4429), or
    refused by the server (an HTTP status on the handshake: the failure of issue 13)."""
    import httpx
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        await log_in(client, f"{PREFIX}0000", PASSWORD, results)
        headers = {"Cookie": _cookie_header(client), "Origin": base_url}
        sockets = []

        async def one() -> None:
            try:
                ws = await connect(
                    _ws_url(base_url, "/ws/ping/"), additional_headers=headers, open_timeout=60
                )
            except InvalidStatus as exc:
                results.burst[f"HTTP {exc.response.status_code}"] += 1
                return
            except (OSError, TimeoutError) as exc:
                results.burst[type(exc).__name__] += 1
                return
            try:
                await ws.send("ping")
                await asyncio.wait_for(ws.recv(), timeout=30)
                results.burst["open and echoing"] += 1
                sockets.append(ws)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else "?"
                results.burst[f"closed {code}"] += 1
            except TimeoutError:
                results.burst["no echo"] += 1

        await asyncio.gather(*(one() for _ in range(count)))
        await asyncio.gather(*(ws.close() for ws in sockets))


async def run(base_url: str, world: World, args, results: Results) -> dict[str, float]:
    rng = random.Random(args.seed)
    stop = asyncio.Event()
    go = asyncio.Event()
    events = [asyncio.Event() for _ in world.students]
    streams_left = [True] * min(args.streams, len(world.students))
    phases: dict[str, float] = {}
    dashboard = asyncio.create_task(watch_dashboard(base_url, world.classroom_id, results, stop))
    started = time.monotonic()
    tasks = [
        asyncio.create_task(
            student(
                base_url, name, world, args, results, event, go, streams_left,
                random.Random(rng.random()),
            )
        )
        for name, event in zip(world.students, events, strict=True)
    ]  # fmt: skip
    for event in events:
        await event.wait()
    phases["log-ins"] = time.monotonic() - started
    started = time.monotonic()
    go.set()
    await asyncio.gather(*tasks)
    phases["answers and streams"] = time.monotonic() - started
    await asyncio.sleep(2)  # the last dashboard events arrive
    stop.set()
    await dashboard
    if args.burst:
        started = time.monotonic()
        await burst(base_url, args.burst, results)
        phases["socket burst"] = time.monotonic() - started
    return phases


# --- Report ------------------------------------------------------------------------------


def report(results: Results, stored: int, phases, cpu_rows, wall: float, args) -> str:
    lines = [
        f"students {args.students} x answers {args.answers}, streams {args.streams}, "
        f"think time {args.think_min}-{args.think_max} s, burst {args.burst}",
        "phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()),
        "",
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, values in results.latency.items():
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(results.statuses[name].items()))
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 50) * 1000:.0f} | "
            f"{percentile(values, 95) * 1000:.0f} | {percentile(values, 99) * 1000:.0f} | "
            f"{max(values) * 1000:.0f} | {statuses} |"
        )
    all_statuses = Counter()
    for counter in results.statuses.values():
        all_statuses.update(counter)
    lines += [
        "",
        f"HTTP 500s: {sum(v for k, v in all_statuses.items() if k >= 500 and k != 503)}; "
        f"503s (resent): {all_statuses.get(503, 0)} (answers {results.answers_retried}, "
        f"log-ins {results.logins_retried})",
        f"answers sent {results.answers_sent}, stored {stored} "
        f"({'all stored' if stored == results.answers_sent else 'MISMATCH'})",
        "streams: "
        + ", ".join(f"{k} {v}" for k, v in results.stream_ends.items())
        + (
            f"; time to first text p50 {statistics.median(results.stream_ttft):.1f} s, "
            f"p95 {percentile(results.stream_ttft, 95):.1f} s"
            if results.stream_ttft
            else ""
        )
        + (
            f"; to the end p50 {statistics.median(results.stream_total):.1f} s, "
            f"max {max(results.stream_total):.1f} s"
            if results.stream_total
            else ""
        ),
        f"teacher dashboard: {results.dashboard_messages} messages, "
        + ("alive to the end" if results.dashboard_closed is None else results.dashboard_closed)
        + (
            "; reconnects after: "
            + ", ".join(f"{k} x{v}" for k, v in results.dashboard_events.items())
            if results.dashboard_events
            else "; no reconnect"
        ),
        "socket burst: " + ", ".join(f"{k} {v}" for k, v in sorted(results.burst.items())),
        "",
        "| process | count | CPU s | mean CPU % | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, count, cpu, percent, rss in cpu_rows:
        lines.append(f"| {name} | {count} | {cpu:.1f} | {percent:.0f} | {rss:.0f} |")
    lines.append(f"(over {wall:.0f} s of load)")
    if results.errors:
        lines += ["", f"errors ({len(results.errors)}), first 10:", *results.errors[:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A classroom at full load (loopback only).")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--streams", type=int, default=30)
    parser.add_argument("--burst", type=int, default=300)
    # Seconds between one answer and the next page: reading, thinking, typing.
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=15.0)
    parser.add_argument("--time-limit", type=float, default=900)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--url", help="an already running stack (loopback) instead of starting one")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "loadtest"))
    args = parser.parse_args(argv)
    if not 1 <= args.students <= MAX_STUDENTS:
        parser.error(f"--students must be between 1 and {MAX_STUDENTS}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.setdefault("TUTOR_EXPLANATIONS_PER_HOUR", "1000")
    env.setdefault("TUTOR_TORCH_THREADS", "1")  # the built-in model on a small shared CPU
    # Never the development database by accident: a file of its own unless one is named.
    env.setdefault("DATABASE_URL", f"sqlite:///{out / 'db.sqlite3'}")
    stack = None
    if args.url:
        base_url = args.url.rstrip("/")
        host = urlparse(base_url).hostname or ""
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            parser.error("the load test runs against loopback addresses only")
    else:
        port, redis_port = _free_port(), _free_port()
        # As `make run`: the Procfile's private Redis (only started when REDIS_URL is unset).
        env.pop("REDIS_URL", None)
        env.update(TUTOR_PORT=str(port), TUTOR_REDIS_PORT=str(redis_port), PYTHONUNBUFFERED="1")
        base_url = f"http://127.0.0.1:{port}"
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {k: env[k] for k in ("REDIS_URL", "DATABASE_URL", "TUTOR_REDIS_PORT") if k in env}
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sampler = None
    try:
        if not args.url:
            prepare_database(env)
            stack = Stack(env, out)
            wait_healthy(base_url)
            sampler = Sampler(stack)
            sampler.start()
        import logging

        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        world = make_students(args.students)
        results = Results()
        started = time.monotonic()
        phases = asyncio.run(asyncio.wait_for(run(base_url, world, args, results), args.time_limit))
        wall = time.monotonic() - started
        cpu_rows = []
        if sampler is not None:
            sampler.stop_event.set()
            sampler.join(timeout=5)
            cpu_rows = sampler.table(wall)
        text = report(results, stored_answers(), phases, cpu_rows, wall, args)
    finally:
        if stack is not None:
            stack.stop()
    print(text)
    (out / "report.md").write_text(text + "\n")
    return 0 if "MISMATCH" not in text else 1


if __name__ == "__main__":
    sys.exit(main())
