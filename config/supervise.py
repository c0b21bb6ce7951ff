"""Keep one command running: restart it when it dies, stop it when told to.

`python -m config.supervise -- celery -A config worker ...` is how the Procfile runs the worker:
honcho stops every process when one exits, so a worker that crashes (killed, or Celery's
"Unrecoverable error" when Redis restarts) would take the whole product down. Here it is
restarted after a short pause (doubling up to 30 s while it keeps dying young) and SIGINT /
SIGTERM are passed on to it, after which the supervisor exits with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

HEALTHY_AFTER_SECONDS = 60.0
MAX_PAUSE_SECONDS = 30.0


def supervise(command: list[str]) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def forward(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pause = 1.0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            return code
        lived = time.monotonic() - started
        pause = 1.0 if lived > HEALTHY_AFTER_SECONDS else min(pause * 2, MAX_PAUSE_SECONDS)
        print(
            f"supervise: {command[0]} exited with {code} after {lived:.0f} s; "
            f"restarting in {pause:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return code


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m config.supervise -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    return supervise(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
