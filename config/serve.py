"""Several daphne processes (HTTP and websockets) behind one port.

`python -m config.serve --processes N` binds the port once and hands the listening socket to N
daphne processes (`daphne -e fd:fileno=...`); the kernel gives each new connection to one of
them, so requests and sockets spread over every CPU while the single-threaded event loop of
each process stays small. A process that exits is started again; SIGINT/SIGTERM stop them all.
Any process can serve any websocket: the channel layer and the streams are in Redis.

The default number of processes is the CPU count (at least 2, at most 8): `TUTOR_WEB_PROCESSES`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DAPHNE = str(Path(sys.executable).parent / "daphne")


def default_processes() -> int:
    if value := os.environ.get("TUTOR_WEB_PROCESSES"):
        return max(1, int(value))
    return min(8, max(2, os.cpu_count() or 2))


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def daphne_command(sock: socket.socket, extra: list[str]) -> list[str]:
    """daphne adopting the listening socket the way systemd hands one over: as descriptor 3
    with LISTEN_FDS/LISTEN_FDNAMES/LISTEN_PID set (this Twisted has no plain `fd:` endpoint any more). A
    small shell sets LISTEN_PID to its own pid and execs daphne, which keeps that pid."""
    domain = "INET6" if sock.family == socket.AF_INET6 else "INET"
    daphne = [
        DAPHNE,
        "-e",
        f"systemd:domain={domain}:index=0",
        "--websocket_connect_timeout",
        "30",
        *extra,
        "config.asgi:application",
    ]
    script = f'export LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web; exec "$@" 3<&{sock.fileno()}'
    return ["/bin/sh", "-c", script, "sh", *daphne]


def serve(host: str, port: int, processes: int, extra: list[str]) -> int:
    sock = listen(host, port)
    command = daphne_command(sock, extra)
    stopping = False
    children: dict[int, subprocess.Popen] = {}

    def start(slot: int) -> None:
        env = dict(os.environ, TUTOR_WEB_PROCESS=str(slot))
        children[slot] = subprocess.Popen(command, pass_fds=(sock.fileno(),), env=env)

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(processes):
        start(slot)
    print(
        f"serve: {processes} daphne processes on {host}:{port} (pids "
        f"{', '.join(str(c.pid) for c in children.values())})",
        file=sys.stderr,
        flush=True,
    )
    while not stopping:
        time.sleep(0.5)
        for slot, child in list(children.items()):
            if child.poll() is not None and not stopping:
                print(
                    f"serve: process {slot} exited ({child.returncode}); restarting",
                    file=sys.stderr,
                )
                time.sleep(1)
                start(slot)
    for child in children.values():
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("TUTOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TUTOR_PORT", "8000")))
    parser.add_argument("--processes", type=int, default=default_processes())
    args, extra = parser.parse_known_args(argv)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return serve(args.host, args.port, args.processes, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
