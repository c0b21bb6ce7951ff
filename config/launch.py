"""What `make run` starts last: every process of the Procfile (honcho), and a clear word when
the site really answers.

`python -m config.launch` runs `honcho start -f Procfile`, polls `/healthz` until the database,
Redis and a worker are up, and only then prints where the tutor is and how to log in. Ctrl-C
(or SIGTERM) stops honcho and its processes; a clean stop exits with 0, not with the signal's
status (which `make` would report as "Error 143"). The start-up messages of the parts that read
like errors but are harmless are explained once, before they appear.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HONCHO = str(Path(sys.executable).parent / "honcho")

# Statuses a process stopped by SIGINT / SIGTERM ends with (honcho passes them on).
STOPPED_BY_SIGNAL = {0, 130, 143, -signal.SIGINT, -signal.SIGTERM}

HARMLESS_MESSAGES = """\
  Messages below that look alarming but are harmless on a development machine:
    - redis  "WARNING Memory overcommit must be enabled!": the private Redis asks the kernel
             for a setting that only matters when it saves a large data set in the background.
    - worker "You're running the worker with superuser privileges": printed when you run as
             root (a container); in production run the workers as an ordinary user.
    - web    "HTTP/2 support not enabled": daphne serves HTTP/1.1 and websockets, which is all
             the tutor needs; a proxy in front can speak HTTP/2.
"""


def health_url(host: str, port: str) -> str:
    host = host.strip("[]")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def site_status(url: str, timeout: float = 2.0) -> str | None:
    """The status /healthz reports ("ok", "degraded", "down"), or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read()).get("status")
    except urllib.error.HTTPError as exc:
        try:
            return json.loads(exc.read()).get("status")
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def wait_until_ready(url: str, stop: threading.Event, limit_s: float = 300.0) -> str | None:
    """Poll until /healthz says "ok" (database, Redis and a worker); give up after limit_s
    with the last status seen (or None)."""
    deadline = time.monotonic() + limit_s
    status = None
    while not stop.is_set() and time.monotonic() < deadline:
        status = site_status(url)
        if status == "ok":
            return status
        stop.wait(0.5)
    return status


def banner(site: str, logins: str) -> str:
    return f"\n  Tutor is ready at {site}/   (Ctrl-C stops everything)\n{logins}\n"


# The demo logins (tutor.demo, which needs Django set up; a test keeps the two equal).
DEMO_PASSWORD = "tutor-demo"
DEMO_JOIN_CODE = "TRYMATH7"


def demo_logins() -> str:
    return (
        f"  Log in as demo-student, demo-teacher or demo-admin, password {DEMO_PASSWORD}\n"
        f"  (demo class join code {DEMO_JOIN_CODE}).\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", default=str(ROOT / "Procfile"))
    parser.add_argument("--ready-within", type=float, default=300.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    host = os.environ.get("TUTOR_HOST", "127.0.0.1")
    port = os.environ.get("TUTOR_PORT", "8000")
    url = health_url(host, port)
    site = url.removesuffix("/healthz")
    print("\n  Starting Redis, the web server, the worker and the scheduler (about 15-30 s)…\n")
    print(HARMLESS_MESSAGES, flush=True)

    honcho = subprocess.Popen([HONCHO, "start", "-f", args.procfile], cwd=ROOT)
    stop = threading.Event()
    stopping = False

    def announce() -> None:
        status = wait_until_ready(url, stop, args.ready_within)
        if stop.is_set():
            return
        if status == "ok":
            print(banner(site, demo_logins()), flush=True)
        else:
            print(
                f"\n  The tutor is not healthy yet (/healthz: {status or 'no answer'}); "
                "see the messages above.\n",
                flush=True,
            )

    def forward(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        stop.set()
        if honcho.poll() is None:
            honcho.send_signal(signum)

    # A terminal's Ctrl-C reaches honcho too (same process group); forwarding is for kill.
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    threading.Thread(target=announce, daemon=True).start()
    rc = honcho.wait()
    stop.set()
    if stopping and rc in STOPPED_BY_SIGNAL:
        print("\n  Tutor stopped.", flush=True)
        return 0
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
