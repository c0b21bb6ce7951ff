"""The bounded pool: deadline, recovery, memory limit, threads, shutdown."""

import os
import threading
import time

import pytest

from curriculum.answers import CheckerPool, check

# A real runaway check: solving a degree-997 polynomial equation over the reals.
RUNAWAY = ("x^997 + 3x^500 - x^7 + 1 = 0", {"kind": "equation", "key": ["x = 1"]})


@pytest.fixture()
def pool():
    p = CheckerPool(size=2, deadline=1.0, memory_mb=1536)
    p.start(wait=True)
    yield p
    p.close()


def test_lazy_until_first_use():
    p = CheckerPool(size=1)
    assert not p._started and not p._all
    v = p.check("1+1", {"kind": "number", "key": ["2"]})
    assert v.correct and p._started
    p.close()


def test_runaway_check_times_out_and_pool_recovers(pool):
    t = time.perf_counter()
    v = pool.check(*RUNAWAY)
    elapsed = time.perf_counter() - t
    assert v.code == "timeout" and not v.valid
    assert "in time" in v.feedback
    assert elapsed < pool.deadline + 1.0
    assert pool.stats["timeouts"] == 1 and pool.stats["restarts"] == 1
    # the pool still answers, with fresh workers
    for _ in range(4):
        assert pool.check("2(x+1)", {"kind": "expression", "key": ["2x+2"]}).correct


def test_workers_have_a_memory_limit(pool):
    pids = [w.proc.pid for w in pool._all]
    assert pids
    for pid in pids:
        with open(f"/proc/{pid}/limits") as f:
            line = next(ln for ln in f if ln.startswith("Max address space"))
        assert str(1536 * 1024 * 1024) in line


def test_many_threads(pool):
    results = []
    lock = threading.Lock()

    def work(i):
        v = pool.check(f"{i}x+{i}", {"kind": "expression", "key": [f"{i}(x+1)"]})
        with lock:
            results.append(v.correct)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 41)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40 and all(results)


def test_timeout_while_other_threads_check(pool):
    out = {}

    def slow():
        out["slow"] = pool.check(*RUNAWAY)

    th = threading.Thread(target=slow)
    th.start()
    fast = [pool.check("x+x", {"kind": "expression", "key": ["2x"]}) for _ in range(5)]
    th.join()
    assert out["slow"].code == "timeout"
    assert all(v.correct for v in fast)


def test_close_stops_workers():
    p = CheckerPool(size=2)
    p.start(wait=True)
    procs = [w.proc for w in p._all]
    p.close()
    for proc in procs:
        assert proc.poll() is not None


def test_default_check_uses_the_pool():
    v = check("x^2-1", {"kind": "expression", "key": ["(x-1)(x+1)"]})
    assert v.correct
    # cheap cases are answered without a worker
    assert check("", {"kind": "expression", "key": ["x"]}).code == "empty"
    assert check("x" * 5000, {"kind": "expression", "key": ["x"]}).code == "too_long"
    assert check("B", {"kind": "multiple_choice", "key": ["B"]}).correct


def test_pool_after_fork_starts_its_own_workers():
    p = CheckerPool(size=1)
    p.start(wait=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            ok = p.check("1+1", {"kind": "number", "key": ["2"]}).correct
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 1)
    os.waitpid(pid, 0)
    assert data == b"1"
    assert p.check("1+2", {"kind": "number", "key": ["3"]}).correct
    p.close()


def test_slow_answers_do_not_delay_ordinary_ones():
    # three answers that run to the deadline at once, then an ordinary one (issue 12)
    p = CheckerPool(size=2, slow_lane=2, fast_budget=0.25, deadline=2.0, memory_mb=1536)
    p.start(wait=True)
    try:
        verdicts = []
        hostile = [
            threading.Thread(target=lambda: verdicts.append(p.check(*RUNAWAY))) for _ in range(3)
        ]
        for t in hostile:
            t.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        v = p.check("2(x+1)", {"kind": "expression", "key": ["2x+2"]})
        waited = time.perf_counter() - t0
        for t in hostile:
            t.join()
        assert v.correct
        assert waited < 1.0, waited  # about the fast budget, not the 2 s deadline
        assert [x.code for x in verdicts] == ["timeout"] * 3
        assert p.stats["slow"] == 2  # two ran on in the slow lane, the third in a fast place
    finally:
        p.close()


def test_without_a_slow_lane_a_slow_answer_holds_its_place():
    p = CheckerPool(size=1, slow_lane=0, deadline=1.0, memory_mb=1536)
    try:
        assert p.workers == 1
        t = threading.Thread(target=lambda: p.check(*RUNAWAY))
        t.start()
        time.sleep(0.3)
        t0 = time.perf_counter()
        assert p.check("1+1", {"kind": "number", "key": ["2"]}).correct
        assert time.perf_counter() - t0 > 0.5  # it waited for the runaway's deadline
        t.join()
    finally:
        p.close()
