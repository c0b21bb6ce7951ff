"""A pool worker: reads check requests on stdin, writes verdicts on stdout.

Messages are 4-byte big-endian lengths followed by UTF-8 JSON. The worker limits its own
address space (RLIMIT_AS) before importing SymPy's heavy parts, then says it is ready.
Run as ``python -m curriculum.answers._worker``; it exits when stdin closes.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from typing import BinaryIO


def _limit_memory() -> None:
    mb = int(os.environ.get("ANSWERS_WORKER_MEMORY_MB", "0") or 0)
    if mb <= 0:
        return
    try:
        import resource

        limit = mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        pass


def _read_exact(f: BinaryIO, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _write(f: BinaryIO, obj: object) -> None:
    data = json.dumps(obj).encode("utf-8")
    f.write(struct.pack(">I", len(data)) + data)
    f.flush()


def main() -> int:
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    # nothing else may write to our stdout: it is the channel
    sys.stdout = sys.stderr
    _limit_memory()
    # A 1,000-character answer can be a 500-term sum: a tree 500 levels deep, more than the
    # default recursion limit allows the parser and SymPy; the worker's main thread has the
    # stack for it (and the pool's deadline and memory limit bound the work).
    sys.setrecursionlimit(20_000)
    from curriculum.answers.checker import check_inline, warm_up
    from curriculum.answers.steps import check_work
    from curriculum.answers.verdict import make

    # warm up the parser and SymPy (first calls import modules lazily)
    warm_up()
    check_work(["2x + 3 = 7", "2x = 10"])  # and the work checker's rules
    _write(out, {"ready": True, "pid": os.getpid()})
    while True:
        head = _read_exact(inp, 4)
        if head is None:
            return 0
        (n,) = struct.unpack(">I", head)
        body = _read_exact(inp, n)
        if body is None:
            return 0
        try:
            req = json.loads(body)
            if req.get("op") == "work":  # a working, line by line (steps.check_work)
                res = check_work(req.get("raw"), req.get("spec")).to_dict()
            else:
                res = check_inline(req.get("raw"), req.get("spec")).to_dict()
        except MemoryError:
            res = make("too_complex", "Your answer is too large or too complex to check.").to_dict()
        except Exception as e:  # noqa: BLE001 - pragma: no cover - check_inline never raises
            res = make("internal_error", details={"error": repr(e)[:200]}).to_dict()
        try:
            _write(out, res)
        except MemoryError:  # pragma: no cover
            _write(out, make("too_complex").to_dict())


if __name__ == "__main__":
    sys.exit(main())
