"""Streaming benchmark: N concurrent websocket clients ask the local engine for explanations.

Usage (a private Redis for the run; the benchmark uses db 13 of it and empties that db)::

    .venv/bin/python -m config.embedded_redis run -- .venv/bin/python -m inference.bench_stream
    ... -m inference.bench_stream --clients 1 8 --tokens 32     # a quicker run
    ... -m inference.bench_stream --clients 100 --modes on --logs /tmp/bench-logs
    ... -m inference.bench_stream --ws-connect-timeout 30       # daphne's handshake limit

The websocket clients use the `websockets` library (a development dependency).

Everything is real and in separate processes, as deployed: a throwaway SQLite file (migrated,
one problem, one student per client), a tiny random SambaY checkpoint, a Celery worker
(`celery -A config worker -P threads -Q gpu`, TUTOR_ENGINE=local) and daphne serving
`config.asgi:application` on 127.0.0.1. Each client POSTs to the Explain view (as the button
does), opens `/ws/generations/<id>/`, sends `resume 0-0` and reads fragments until the end
fragment; like the page's script, it reopens a refused or dropped socket and resumes from the
last stream id it has (counted as `recon`). Batching on (max_batch_size >= N) and off
(max_batch_size = 1) run in the same invocation, each on its own freshly started worker.

Measured per row:
  - open: client clock, from the POST to the websocket being open;
  - TTFT: client clock, from the POST to the first delta fragment (includes queueing, prefill,
    the 40 ms coalescing and the websocket hop);
  - delivery latency: client receive time minus the millisecond part of the fragment's stream
    id, which Redis stamps at XADD (same host, same clock): engine-side XADD -> socket, for
    live deltas (those written before the socket opened are counted as `catchup` instead);
  - tokens/s: the Generation rows' completion tokens over the row's wall time;
  - lost / dup: stream entries (XRANGE of `gen:<id>`) the client never got / got twice, and
    clients whose received text differs from the Generation row's text (all must be 0);
  - CPU seconds of the worker and the daphne process (psutil), and of the client process.

Batching off with many clients is slow (one sequence at a time), so its token budget is capped
at `--off-token-cap` tokens per row (the output says which rows were capped). Torch runs with
`--torch-threads` (default 1) intra-op threads in the worker: on a small shared machine the
default (one per core) spin-waits and makes each decode step several times slower.
A PNG plot and the raw results (JSON) go to bench-out/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench-out"
DEFAULT_REDIS_DB = 13
MAX_RECONNECTS = 10
HEARTBEAT_PREFIX = "tutor:worker:"  # config.heartbeat.KEY_PREFIX, read without importing Django

# The fragments of inference/fragments.py, read back the way the browser's script does.
_DELTA = re.compile(
    r'<span id="gen-\d+-(?P<part>think|answer)-raw" hx-swap-oob="(?P<how>beforeend|innerHTML)">'
    r'<span data-sid="(?P<sid>[\d-]+)">(?P<text>.*?)</span></span>',
    re.DOTALL,
)
_LAST = re.compile(r'id="gen-\d+-last" data-sid="(?P<sid>[\d-]+)"')
_END = re.compile(r'id="gen-\d+-controls" hx-swap-oob="innerHTML"')  # only the end fragment
_WS_URL = re.compile(r'ws-connect="(?P<url>/ws/generations/(?P<id>\d+)/)"')


@dataclass(frozen=True)
class RowSpec:
    clients: int
    batching: bool
    max_new_tokens: int
    capped: bool = False  # the token budget was lowered to keep the run short


@dataclass
class ClientResult:
    generation_id: int = 0
    started: float = 0.0  # time.time() before the POST
    opened: float = 0.0  # time.time() once the first websocket handshake is done
    # (receive time, fragment, when the socket that carried it opened)
    messages: list[tuple[float, str, float]] = field(default_factory=list)
    ended: bool = False  # the end fragment arrived
    reconnects: int = 0
    reconnect_causes: list[str] = field(default_factory=list)
    close_code: int | None = None
    error: str = ""


@dataclass
class RowResult:
    clients: int
    batching: bool
    max_batch_size: int
    max_new_tokens: int
    capped: bool
    wall_s: float
    tokens: int
    tokens_per_s: float
    ttft_ms: dict[str, float]
    open_ms: dict[str, float]
    delivery_ms: dict[str, float]
    deltas: int
    catch_up: int
    lost: int
    duplicated: int
    text_mismatches: int
    failed_clients: int
    errors: dict[str, int]  # why clients failed, with counts
    reconnects: int  # sockets refused or dropped, then reopened with resume
    reconnect_causes: dict[str, int]
    cpu_worker_s: float
    cpu_server_s: float
    cpu_clients_s: float


# --- small helpers ---------------------------------------------------------------------------


def with_db(redis_url: str, db: int) -> str:
    """The same Redis server, another database number."""
    parts = urlsplit(redis_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def percentiles(values: list[float], qs: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
    if not values:
        return {f"p{q}": float("nan") for q in qs}
    ordered = sorted(values)
    out = {}
    for q in qs:
        pos = (len(ordered) - 1) * q / 100
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        out[f"p{q}"] = ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sid_ms(sid: str) -> int:
    return int(sid.split("-", 1)[0])


def _die_with_parent() -> None:
    # Children get SIGTERM if the benchmark dies, so no worker or server outlives it.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_T0 = time.monotonic()


def progress(message: str) -> None:
    """Progress lines on stderr, with seconds since start (the table goes to stdout)."""
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def machine_info() -> dict[str, str]:
    import torch

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load average at start": load,
    }


# --- processes -------------------------------------------------------------------------------


class Child:
    """A child process (worker or daphne) with its log file; stopped politely, then killed."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path) -> None:
        import psutil

        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # no threads to deadlock at this point
        )
        self.ps = psutil.Process(self.proc.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the {self.name} exited ({self.proc.returncode}):\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def child_env(
    *,
    database_url: str,
    redis_url: str,
    checkpoint: Path,
    max_batch_size: int,
    max_new_tokens: int,
    torch_threads: int,
    secret_key: str,
) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite; the real server has not
    threads = str(torch_threads)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        SECRET_KEY=secret_key,  # the sessions written here must decode there
        TUTOR_ENGINE="local",
        TUTOR_MODEL_PATH=str(checkpoint),
        TUTOR_DEVICE="cpu",
        TUTOR_MAX_BATCH_SIZE=str(max_batch_size),
        TUTOR_MAX_NEW_TOKENS=str(max_new_tokens),
        TUTOR_TEMPERATURE="0.8",
        TUTOR_EXPLANATIONS_PER_HOUR="100000",  # the same students ask once per row
        TUTOR_WORKER_HEARTBEAT_SECONDS="1",  # find a fresh worker quickly
        OMP_NUM_THREADS=threads,
        MKL_NUM_THREADS=threads,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_server(
    env: dict[str, str], log_dir: Path, ws_connect_timeout: int | None = None
) -> tuple[Child, int]:
    import httpx

    port = _free_port()
    cmd = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    if ws_connect_timeout is not None:  # daphne's CLI default: 5 s
        cmd += ["--websocket_connect_timeout", str(ws_connect_timeout)]
    cmd.append("config.asgi:application")
    server = Child("server", cmd, env, log_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        server.check_alive()
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, port
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"daphne did not answer within 60 s:\n{server.tail()}")


def start_worker(env: dict[str, str], log_dir: Path, *, tag: str, concurrency: int, redis) -> Child:
    name = f"bench-{tag}-{os.getpid()}"
    cmd = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "threads",
           "-c", str(concurrency), "-Q", "gpu", "-n", f"{name}@%h", "--without-gossip",
           "--without-mingle", "-l", "WARNING"]  # fmt: skip
    worker = Child(f"worker-{tag}", cmd, env, log_dir)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        worker.check_alive()
        # The worker's heartbeat is what the Explain view checks before queueing anything.
        if any(k.startswith(HEARTBEAT_PREFIX + name) for k in redis.keys(HEARTBEAT_PREFIX + "*")):
            return worker
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError(f"the worker sent no heartbeat within 90 s:\n{worker.tail()}")


# --- clients ---------------------------------------------------------------------------------


async def _one_client(
    http, port: int, problem_id: int, session_key: str, timeout: float
) -> ClientResult:
    result = ClientResult()
    csrf = secrets.token_hex(16)  # any 32-character secret works as cookie and header
    cookie = f"sessionid={session_key}; csrftoken={csrf}"
    result.started = time.time()
    try:
        async with asyncio.timeout(timeout):
            response = await http.post(
                f"http://127.0.0.1:{port}/problems/{problem_id}/explain/",
                data={"purpose": "explanation"},
                headers={"Cookie": cookie, "X-CSRFToken": csrf, "HX-Request": "true"},
            )
            match = _WS_URL.search(response.text)
            if not match:
                text = re.sub(r"<[^>]+>|\s+", " ", response.text).strip()[:150]
                result.error = f"no generation started (HTTP {response.status_code}): {text}"
                return result
            result.generation_id = int(match["id"])
            await _watch(f"ws://127.0.0.1:{port}{match['url']}", port, cookie, result)
    except Exception as exc:  # noqa: BLE001 - a failed client is counted, not fatal
        result.error = f"{type(exc).__name__}: {exc}"
    return result


async def _watch(url: str, port: int, cookie: str, result: ClientResult) -> None:
    """Read the generation's fragments until the end one. Like the page's script, reconnect
    after a refused or dropped socket and resume from the last stream id received."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    last = "0-0"
    for attempt in range(MAX_RECONNECTS + 1):
        if attempt:
            result.reconnects += 1
            await asyncio.sleep(min(0.5 * attempt, 3))
        try:
            async with connect(
                url,
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": cookie},
                open_timeout=60,
                max_size=None,
            ) as ws:
                opened = time.time()
                result.opened = result.opened or opened
                await ws.send(json.dumps({"action": "resume", "last": last}))
                async for message in ws:  # ends when the server closes the socket
                    result.messages.append((time.time(), str(message), opened))
                    if found := _LAST.search(message):
                        last = found["sid"]
                    if _END.search(message):
                        result.ended = True
                result.close_code = ws.close_code
            if not result.ended:
                result.reconnect_causes.append(f"socket closed with code {ws.close_code}")
        except (OSError, TimeoutError, WebSocketException) as exc:
            result.error = f"{type(exc).__name__}: {exc}"[:200]
            result.reconnect_causes.append(result.error)
        if result.ended:
            result.error = ""
            return


async def run_clients(
    port: int, problem_id: int, session_keys: list[str], timeout: float = 900
) -> list[ClientResult]:
    """All clients click Explain at the same moment and read until the end."""
    import httpx

    limits = httpx.Limits(max_connections=len(session_keys) + 4)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        return await asyncio.gather(
            *(_one_client(http, port, problem_id, key, timeout) for key in session_keys)
        )


# --- analysis --------------------------------------------------------------------------------


def analyse(
    spec: RowSpec, max_batch_size: int, results: list[ClientResult], redis, cpu: dict[str, float]
) -> RowResult:
    from inference.models import Generation
    from inference.streams import ThinkSplitter, stream_key

    ttfts, opens, delivery = [], [], []
    lost = duplicated = mismatches = failed = tokens = deltas = catch_up = 0
    errors: dict[str, int] = {}
    causes: dict[str, int] = {}
    reconnects = 0
    last_seen = max((r.messages[-1][0] for r in results if r.messages), default=time.time())
    first_start = min(r.started for r in results)
    generations = Generation.objects.in_bulk([r.generation_id for r in results if r.generation_id])
    for r in results:
        generation = generations.get(r.generation_id)
        reconnects += r.reconnects
        for cause in r.reconnect_causes:
            causes[cause] = causes.get(cause, 0) + 1
        if r.error or generation is None or not r.ended:
            failed += 1
            why = r.error or f"no end fragment (socket closed with code {r.close_code})"
            errors[why[:200]] = errors.get(why[:200], 0) + 1
        parts = {"think": "", "answer": ""}
        sids: list[str] = []
        first_delta = None
        for received_at, message, opened in r.messages:
            for m in _DELTA.finditer(message):
                text = html.unescape(m["text"])
                parts[m["part"]] = text if m["how"] == "innerHTML" else parts[m["part"]] + text
                deltas += 1
                stamped = _sid_ms(m["sid"]) / 1000
                if stamped < opened:
                    # Written before this socket existed: delivered on resume, not live.
                    catch_up += 1
                else:
                    delivery.append((received_at - stamped) * 1000)
                first_delta = first_delta or received_at
            if last := _LAST.search(message):
                sids.append(last["sid"])
        if first_delta is not None:
            ttfts.append((first_delta - r.started) * 1000)
        if r.opened:
            opens.append((r.opened - r.started) * 1000)
        if generation is None:
            continue
        tokens += generation.completion_tokens or 0
        stored = [sid for sid, _ in redis.xrange(stream_key(generation.pk))]
        lost += len(set(stored) - set(sids))
        duplicated += len(sids) - len(set(sids))
        splitter = ThinkSplitter()
        expected = {"think": "", "answer": ""}
        for part, text in splitter.feed(generation.text) + splitter.flush():
            expected[part] += text
        mismatches += parts != expected
    wall = max(last_seen - first_start, 1e-9)
    return RowResult(
        clients=spec.clients,
        batching=spec.batching,
        max_batch_size=max_batch_size,
        max_new_tokens=spec.max_new_tokens,
        capped=spec.capped,
        wall_s=wall,
        tokens=tokens,
        tokens_per_s=tokens / wall,
        ttft_ms=percentiles(ttfts, (50, 95)),
        open_ms=percentiles(opens, (50, 95)),
        delivery_ms=percentiles(delivery),
        deltas=deltas,
        catch_up=catch_up,
        lost=lost,
        duplicated=duplicated,
        text_mismatches=mismatches,
        failed_clients=failed,
        errors=errors,
        reconnects=reconnects,
        reconnect_causes=causes,
        cpu_worker_s=cpu["worker"],
        cpu_server_s=cpu["server"],
        cpu_clients_s=cpu["clients"],
    )


# --- the benchmark ---------------------------------------------------------------------------


def seed(n_users: int):
    """One problem and `n_users` students (one active generation per student), plus one for
    the warm-up. Returns (problem, users, warmup_user)."""
    from curriculum.models import Course, Problem, Skill
    from tutor import services
    from tutor.models import User

    course, _ = Course.objects.get_or_create(slug="bench-stream", defaults={"title": "Bench"})
    skill, _ = Skill.objects.get_or_create(course=course, slug="integers", defaults={"name": "Int"})
    problem, _ = Problem.objects.get_or_create(
        skill=skill,
        slug="add-negatives",
        defaults={
            "statement": "Compute $-7 + 12$.",
            "answer_spec": {"kind": "number", "key": ["5"]},
        },
    )
    users = []
    for i in range(n_users + 1):
        user, created = User.objects.get_or_create(username=f"bench-student-{i}")
        if created:
            user.set_unusable_password()  # no password hashing: logins are forced
            user.save()
            services.make_student(user=user)
        users.append(user)
    return problem, users[1:], users[0]


def _session_key(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _wait_inactive(generation_ids: list[int], timeout: float = 60) -> None:
    from inference.models import Generation

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = Generation.objects.filter(pk__in=generation_ids, status__in=Generation.ACTIVE)
        if not active.exists():
            return
        time.sleep(0.1)


def _database_url(db: dict) -> str:
    """A URL for child processes to reach the same database (SQLite file or PostgreSQL)."""
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if "postgresql" in db["ENGINE"]:
        auth = db.get("USER") or ""
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        return f"postgres://{auth + '@' if auth else ''}{host}/{db['NAME']}"
    raise RuntimeError(f"the benchmark cannot hand {db['ENGINE']} to its child processes")


def run_benchmark(
    specs: list[RowSpec],
    *,
    checkpoint: Path,
    redis_url: str,
    problem,
    users: list,
    warmup_user,
    torch_threads: int = 1,
    log: Callable[[str], None] | None = None,
    log_dir: Path | None = None,
    ws_connect_timeout: int | None = None,
) -> list[RowResult]:
    """Run each row with real processes (daphne, one Celery worker per batching setting and
    token budget) against the database Django is configured with and the Redis at
    `redis_url`, which it empties before and after (use a database number of its own)."""
    import psutil
    import redis as redis_lib
    from django.conf import settings
    from django.db import connection

    log = log or progress
    db = connection.settings_dict  # under pytest: the test database
    database_url = _database_url(db)
    if max(s.clients for s in specs) > len(users):
        raise ValueError("one student per concurrent client is needed")
    client = redis_lib.Redis.from_url(redis_url, decode_responses=True, socket_timeout=30)
    client.flushdb()
    sessions = [_session_key(u) for u in users]
    warm_session = _session_key(warmup_user)
    on_size = max((s.clients for s in specs if s.batching), default=1)
    groups: dict[tuple[int, int], list[RowSpec]] = {}
    for spec in specs:  # one worker per (max_batch_size, max_new_tokens), in the order given
        groups.setdefault((on_size if spec.batching else 1, spec.max_new_tokens), []).append(spec)
    common = dict(database_url=database_url, redis_url=redis_url, checkpoint=checkpoint,
                  torch_threads=torch_threads, secret_key=settings.SECRET_KEY)  # fmt: skip
    keep_logs = log_dir is not None
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="bench-stream-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    results: list[RowResult] = []
    server = worker = None
    me = psutil.Process()
    try:
        log("starting daphne")
        server, port = start_server(
            child_env(max_batch_size=1, max_new_tokens=1, **common), log_dir, ws_connect_timeout
        )
        for (max_bs, budget), rows in groups.items():
            tag = f"bs{max_bs}-t{budget}"
            env = child_env(max_batch_size=max_bs, max_new_tokens=budget, **common)
            concurrency = max(r.clients for r in rows)
            log(f"starting worker {tag} (threads={concurrency})")
            worker = start_worker(env, log_dir, tag=tag, concurrency=concurrency, redis=client)
            # Warm-up: loads the model in the worker and Django's code paths in both processes.
            warm = asyncio.run(run_clients(port, problem.pk, [warm_session]))
            if warm[0].error or not warm[0].ended:
                raise RuntimeError(f"warm-up failed: {warm[0].error}\n{worker.tail()}")
            _wait_inactive([warm[0].generation_id])
            for spec in rows:
                log(f"  {spec.clients} clients, batching {'on' if spec.batching else 'off'}, "
                    f"{spec.max_new_tokens} tokens")  # fmt: skip
                before = (worker.cpu_seconds(), server.cpu_seconds(), sum(me.cpu_times()[:2]))
                clients = asyncio.run(run_clients(port, problem.pk, sessions[: spec.clients]))
                after = (worker.cpu_seconds(), server.cpu_seconds(), sum(me.cpu_times()[:2]))
                cpu = dict(zip(("worker", "server", "clients"),
                               (a - b for a, b in zip(after, before, strict=True)), strict=True))  # fmt: skip
                # The worker saves the row before its last XADD; wait for it to be safe.
                _wait_inactive([c.generation_id for c in clients if c.generation_id])
                worker.check_alive()
                row = analyse(spec, max_bs, clients, client, cpu)
                results.append(row)
                log(f"    {row.wall_s:.1f} s, {row.tokens} tokens, lost {row.lost}, "
                    f"failed {row.failed_clients} {row.errors or ''}, reconnects "
                    f"{row.reconnects} {row.reconnect_causes or ''}")  # fmt: skip
            worker.stop()
            worker = None
            for key in client.keys(HEARTBEAT_PREFIX + "*"):
                client.delete(key)  # the stopped worker's heartbeat must not count as online
    except Exception:
        for child in (worker, server):
            if child is not None:
                log(f"--- {child.name} log ---\n{child.tail()}")
        raise
    finally:
        for child in (worker, server):
            if child is not None:
                child.stop()
        client.flushdb()
        client.close()
        if not keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)
    return results


def default_specs(
    clients: list[int], tokens: int, off_token_cap: int, modes: tuple[str, ...] = ("on", "off")
) -> list[RowSpec]:
    specs = [RowSpec(n, True, tokens) for n in clients] if "on" in modes else []
    for n in clients if "off" in modes else []:
        budget = tokens if n * tokens <= off_token_cap else max(4, off_token_cap // n)
        specs.append(RowSpec(n, False, budget, capped=budget < tokens))
    return specs


# --- output ----------------------------------------------------------------------------------


def format_table(rows: list[RowResult]) -> str:
    header = (
        f"{'N':>4} {'batch':>5} {'max_bs':>6} {'tok':>4} {'open p50':>9} {'TTFT p50':>9} "
        f"{'TTFT p95':>9} {'dlv p50':>8} {'dlv p95':>8} {'dlv p99':>8} {'deltas':>6} "
        f"{'catchup':>7} {'tok/s':>7} {'lost':>4} {'dup':>3} {'txt!=':>5} {'fail':>4} {'recon':>5} "
        f"{'cpu wrk':>8} {'cpu srv':>8} {'cpu cli':>8} {'wall':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in sorted(rows, key=lambda r: (r.clients, not r.batching)):
        tok = f"{r.max_new_tokens}{'*' if r.capped else ''}"
        lines.append(
            f"{r.clients:>4} {'on' if r.batching else 'off':>5} {r.max_batch_size:>6} {tok:>4} "
            f"{r.open_ms['p50']:>7.0f}ms {r.ttft_ms['p50']:>7.0f}ms {r.ttft_ms['p95']:>7.0f}ms "
            f"{r.delivery_ms['p50']:>6.1f}ms {r.delivery_ms['p95']:>6.1f}ms "
            f"{r.delivery_ms['p99']:>6.1f}ms {r.deltas:>6} {r.catch_up:>7} "
            f"{r.tokens_per_s:>7.1f} {r.lost:>4} {r.duplicated:>3} {r.text_mismatches:>5} "
            f"{r.failed_clients:>4} {r.reconnects:>5} {r.cpu_worker_s:>7.1f}s {r.cpu_server_s:>7.1f}s "
            f"{r.cpu_clients_s:>7.1f}s {r.wall_s:>5.1f}s"
        )
    return "\n".join(lines)


def plot(rows: list[RowResult], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    panels = [
        ("time to first token p50 (ms)", lambda r: r.ttft_ms["p50"]),
        ("delivery latency p99 (ms)", lambda r: r.delivery_ms["p99"]),
        ("total tokens/s", lambda r: r.tokens_per_s),
        ("worker CPU s per 100 tokens", lambda r: 100 * r.cpu_worker_s / max(r.tokens, 1)),
    ]
    for ax, (label, value) in zip(axes.flat, panels, strict=True):
        for batching, style in ((True, "o-"), (False, "s--")):
            sel = sorted((r for r in rows if r.batching == batching), key=lambda r: r.clients)
            if sel:
                ax.plot([r.clients for r in sel], [value(r) for r in sel], style,
                        label=f"batching {'on' if batching else 'off'}")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("concurrent clients")
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32, 100])
    parser.add_argument("--tokens", type=int, default=64, help="max new tokens per explanation")
    parser.add_argument("--off-token-cap", type=int, default=2048,
                        help="batching off: at most this many tokens per row in all")  # fmt: skip
    parser.add_argument("--modes", nargs="+", choices=["on", "off"], default=["on", "off"],
                        help="batching on, off, or both (the default)")  # fmt: skip
    parser.add_argument("--redis-db", type=int, default=DEFAULT_REDIS_DB)
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--ws-connect-timeout", type=int,
                        help="daphne's --websocket_connect_timeout (its default: 5 s)")  # fmt: skip
    parser.add_argument("--logs", type=Path, help="keep the worker's and daphne's logs here")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        print("REDIS_URL is not set. Run: .venv/bin/python -m config.embedded_redis run -- "
              ".venv/bin/python -m inference.bench_stream")  # fmt: skip
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    redis_url = with_db(os.environ["REDIS_URL"], args.redis_db)
    # Configure Django before anything imports its settings: a throwaway SQLite file and our
    # own Redis database, for this process and (through child_env) the worker and server.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from inference.sambay import write_random_checkpoint

        info = machine_info()
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        checkpoint = write_random_checkpoint(work / "tiny-sambay", seed=3)
        problem, users, warmup_user = seed(max(args.clients))
        progress(f"database migrated, checkpoint written, {len(users)} students seeded")
        specs = default_specs(args.clients, args.tokens, args.off_token_cap, tuple(args.modes))
        rows = run_benchmark(
            specs,
            checkpoint=checkpoint,
            redis_url=redis_url,
            problem=problem,
            users=users,
            warmup_user=warmup_user,
            torch_threads=args.torch_threads,
            log_dir=args.logs,
            ws_connect_timeout=args.ws_connect_timeout,
        )
        elapsed = time.monotonic() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    machine = ", ".join(f"{k}: {v}" for k, v in info.items())
    print(f"machine: {machine}")
    print(f"model: tiny random SambaY (SambaYConfig.tiny), CPU float32, {args.torch_threads} "
          f"torch thread(s) in the worker; temperature 0.8")  # fmt: skip
    print(format_table(rows))
    print(
        "open: POST -> websocket open. TTFT: client clock, POST -> first delta fragment. dlv: "
        "delivery latency of live deltas, Redis XADD stamp (stream id ms) -> client receive; "
        "catchup: deltas written before the client's socket opened (sent on resume, not in "
        "dlv). lost: stream entries never received; dup: "
        "received twice; txt!=: clients whose text differs from the Generation row; fail: "
        "clients without the end fragment; recon: sockets refused or dropped and reopened with "
        "resume (as the page does). cpu: process CPU seconds during the row (worker, daphne, "
        "this client process)."
    )
    for r in rows:
        for why, count in r.reconnect_causes.items():
            print(f"reconnects (N={r.clients}, batching {'on' if r.batching else 'off'}): "
                  f"{count} x {why}")  # fmt: skip
        for why, count in r.errors.items():
            print(f"failed clients (N={r.clients}, batching {'on' if r.batching else 'off'}): "
                  f"{count} x {why}")  # fmt: skip
    if any(r.capped for r in rows):
        print(f"* token budget capped for batching off: at most {args.off_token_cap} tokens per "
              "row, to keep the run short (tokens/s stays comparable; TTFT is not).")  # fmt: skip
    print(f"total time {elapsed:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "bench_stream.png"
    plot(rows, png, f"inference.bench_stream: {machine}")
    (args.out / "bench_stream.json").write_text(
        json.dumps({"machine": info, "rows": [asdict(r) for r in rows]}, indent=2)
    )
    print(f"plot: {png.relative_to(BASE_DIR) if png.is_relative_to(BASE_DIR) else png}")
    bad = sum(r.lost + r.duplicated + r.text_mismatches + r.failed_clients for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
