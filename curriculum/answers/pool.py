"""A bounded pool of checker processes: wall-clock deadline, memory limit, recovery.

* Lazy: no process starts until the first :meth:`CheckerPool.check`.
* Thread-safe: any number of threads may call ``check``; each request takes an idle
  worker from a queue (waiting up to ``queue_timeout``), so a worker serves one
  request at a time.
* Deadline: the caller waits at most ``deadline`` seconds for the verdict (measured
  from the moment the request is sent to a ready worker). On overrun the worker is
  killed (SIGKILL), a fresh one is started in its place, and the verdict is
  ``timeout``. No ``signal.alarm``: this works from any thread.
* Two lanes, so that slow answers do not delay others: at most ``size`` checks run in the
  fast lane; a check still running after ``fast_budget`` seconds (ordinary ones take a few
  milliseconds) moves to the slow lane (at most ``slow_lane`` at once, each on its own
  extra worker) and gives its fast place to the next check; when the slow lane is full it
  keeps its fast place up to the deadline. Three hostile answers at once then delay an
  ordinary check by about ``fast_budget``, not by the deadline.
* Memory: each worker sets RLIMIT_AS on itself (``memory_mb``); a check that runs
  out of memory comes back as ``too_complex``; a worker that dies is replaced.
* Workers are plain subprocesses (``python -m curriculum.answers._worker``), not
  forks of the web server, and are shut down at interpreter exit. A pool used after
  ``os.fork()`` starts its own workers in the child.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import IO, Any

from .verdict import Verdict, make
from .workreport import WorkReport, precheck_work

_ROOT = str(Path(__file__).resolve().parents[2])
_POOLS: weakref.WeakSet[CheckerPool] = weakref.WeakSet()


def _env_float(name: str, default: float) -> float:
    v = os.environ.get(name)
    return float(v) if v else default


def _default_slow_lane() -> int:
    return max(0, int(os.environ.get("ANSWERS_SLOW_LANE", "2")))


def _default_size() -> int:
    env = os.environ.get("ANSWERS_POOL_SIZE")
    if env:
        return max(1, int(env))
    return max(2, min(4, os.cpu_count() or 2))


class _Worker:
    def __init__(self, memory_mb: int):
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
        )
        env["ANSWERS_WORKER_MEMORY_MB"] = str(memory_mb)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "curriculum.answers._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_ROOT,
            env=env,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.fd = self.stdout.fileno()
        self.buf = b""
        self.ready = False

    def _read_message(self, timeout: float) -> dict[str, Any] | None:
        """One message, or None on timeout; raises EOFError if the worker died."""
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    body = self.buf[4 : 4 + n]
                    self.buf = self.buf[4 + n :]
                    msg: dict[str, Any] = json.loads(body)
                    return msg
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def wait_ready(self, timeout: float) -> bool:
        if self.ready:
            return True
        msg = self._read_message(timeout)
        if msg and msg.get("ready"):
            self.ready = True
        return self.ready

    def send(self, raw: object, spec: object, op: str = "check") -> None:
        data = json.dumps({"op": op, "raw": raw, "spec": spec}).encode("utf-8")
        self.stdin.write(struct.pack(">I", len(data)) + data)
        self.stdin.flush()

    def request(self, raw: object, spec: object, deadline: float) -> dict[str, Any] | None:
        self.send(raw, spec)
        return self._read_message(deadline)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:  # pragma: no cover
                pass

    def close(self) -> None:
        try:
            self.stdin.close()
        except OSError:  # pragma: no cover
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
        try:
            self.stdout.close()
        except OSError:  # pragma: no cover
            pass


class CheckerPool:
    def __init__(
        self,
        size: int | None = None,
        deadline: float = 2.0,
        memory_mb: int = 1536,
        start_timeout: float = 60.0,
        queue_timeout: float = 10.0,
        slow_lane: int | None = None,
        fast_budget: float | None = None,
    ):
        self.size = size or _default_size()
        self.slow_lane = _default_slow_lane() if slow_lane is None else max(0, slow_lane)
        self.fast_budget = (
            _env_float("ANSWERS_FAST_BUDGET_S", 0.25) if fast_budget is None else fast_budget
        )
        self._fast = threading.BoundedSemaphore(self.size)
        self._slow = threading.BoundedSemaphore(self.slow_lane) if self.slow_lane else None
        self.deadline = deadline
        self.memory_mb = memory_mb
        self.start_timeout = start_timeout
        self.queue_timeout = queue_timeout
        self._lock = threading.Lock()
        # Last in, first out: the workers that just checked (warm caches) go again; the extra
        # slow-lane workers only work while a slow check holds one.
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._started = False
        self._closed = False
        self._pid = os.getpid()
        self.stats = {"checks": 0, "timeouts": 0, "restarts": 0, "slow": 0}
        _POOLS.add(self)

    # ------------------------------------------------------------------ lifecycle
    def _ensure_started(self) -> None:
        if self._pid != os.getpid():  # we are a forked child: the parent's workers are not ours
            with self._lock:
                if self._pid != os.getpid():
                    self._idle = queue.LifoQueue()
                    self._all = set()
                    self._started = False
                    self._fast = threading.BoundedSemaphore(self.size)
                    if self.slow_lane:
                        self._slow = threading.BoundedSemaphore(self.slow_lane)
                    self._pid = os.getpid()
        if self._started:
            return
        with self._lock:
            if self._started:
                return
            if self._closed:
                raise RuntimeError("the checker pool is closed")
            for _ in range(self.workers):
                w = _Worker(self.memory_mb)
                self._all.add(w)
                self._idle.put(w)
            self._started = True

    @property
    def workers(self) -> int:
        """Processes kept: one per fast place and one per slow place."""
        return self.size + self.slow_lane

    def start(self, wait: bool = False) -> None:
        """Start the workers now (optional: the first check does it).

        With ``wait=True``, return once every worker has imported SymPy and is ready
        (Django can call this from ``AppConfig.ready`` in a background thread).
        """
        self._ensure_started()
        if wait:
            taken = []
            try:
                for _ in range(self.workers):
                    w = self._idle.get(timeout=self.start_timeout)
                    taken.append(w)
                    w.wait_ready(self.start_timeout)
            except queue.Empty:
                pass
            finally:
                for w in taken:
                    self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
            if self._closed:
                return
            nw = _Worker(self.memory_mb)
            self._all.add(nw)
            self.stats["restarts"] += 1
        self._idle.put(nw)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        if self._pid != os.getpid():
            return
        for w in workers:
            w.close()

    # ------------------------------------------------------------------ checking
    def check(self, raw: object, spec: object, deadline: float | None = None) -> Verdict:
        res = self._request(raw, spec, deadline, "check")
        return res if isinstance(res, Verdict) else Verdict.from_dict(res)

    def check_work(
        self, lines: list[str], spec: object, deadline: float | None = None
    ) -> WorkReport:
        """A student's working checked line by line (:func:`.steps.check_work`) in a worker,
        with the same deadline, memory limit and lanes as answers."""
        error = precheck_work(lines)
        if error:
            return WorkReport(error=error)
        res = self._request(list(lines), spec, deadline, "work")
        if isinstance(res, Verdict):  # timeout, busy, too complex: nothing was judged
            why = {
                "timeout": "Your working could not be checked in time. Please try again, or "
                "write it in fewer or simpler lines.",
                "too_complex": "Your working is too large or too complex to check.",
            }.get(res.code, res.feedback or res.code)
            return WorkReport(error=why)
        return WorkReport.from_dict(res)

    def _request(
        self, raw: object, spec: object, deadline: float | None, op: str
    ) -> dict[str, Any] | Verdict:
        deadline = self.deadline if deadline is None else deadline
        self._ensure_started()
        fast = self._fast
        if not fast.acquire(timeout=self.queue_timeout):
            return make("busy")
        holding_fast = True
        try:
            try:
                w = self._idle.get(timeout=self.queue_timeout)
            except queue.Empty:
                return make("busy")
            res, holding_fast = self._run(w, raw, spec, deadline, fast, op)
        finally:
            if holding_fast:
                fast.release()
        if isinstance(res, Verdict):
            return res
        if res is None:
            self.stats["timeouts"] += 1
            self._replace(w)
            return make(
                "timeout",
                "Sorry, we could not check in time whether your answer is right. Please try "
                "again, or write your answer more simply.",
            )
        self.stats["checks"] += 1
        self._idle.put(w)
        return res

    def _run(
        self,
        w: _Worker,
        raw: object,
        spec: object,
        deadline: float,
        fast: threading.BoundedSemaphore,
        op: str,
    ) -> tuple[dict[str, Any] | Verdict | None, bool]:
        """(the worker's answer, None on overrun, or a Verdict; whether the fast place is
        still held)."""
        slow = self._slow
        holding_slow = False
        try:
            if not w.wait_ready(self.start_timeout):
                self._replace(w)
                return make("busy"), True
            w.send(raw, spec, op)
            end = time.monotonic() + deadline
            first = min(self.fast_budget, deadline) if slow is not None else deadline
            res = w._read_message(first)
            if res is not None or slow is None or time.monotonic() >= end:
                return res, True
            # still running: a slow check. Move it to the slow lane and let the next check
            # have its fast place. When the slow lane is full it keeps its fast place to the
            # deadline (an ordinary check slowed down by a busy machine is not stopped).
            if not slow.acquire(blocking=False):
                return w._read_message(max(0.0, end - time.monotonic())), True
            holding_slow = True
            fast.release()
            self.stats["slow"] += 1
            return w._read_message(max(0.0, end - time.monotonic())), False
        except (EOFError, BrokenPipeError, OSError, ValueError):
            self._replace(w)
            return make(
                "too_complex", "Your answer is too large or too complex to check."
            ), not holding_slow
        except BaseException:
            self._replace(w)
            raise
        finally:
            if holding_slow and slow is not None:  # holding_slow: it was acquired
                slow.release()


_default: CheckerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> CheckerPool:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = CheckerPool(
                    deadline=float(os.environ.get("ANSWERS_DEADLINE_S", "2.0")),
                    memory_mb=int(os.environ.get("ANSWERS_WORKER_MEMORY_MB", "1536")),
                )
    return _default


@atexit.register
def _shutdown_all() -> None:
    for p in list(_POOLS):
        try:
            p.close()
        except Exception:  # noqa: BLE001 - pragma: no cover
            pass
