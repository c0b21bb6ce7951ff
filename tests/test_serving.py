"""Serving on several processes with bounded database pools, as `make run` serves:
`python -m config.serve` in a real process on the test database; answers sent at once are each
stored or refused with a retryable 503 (never a 500), and the resends store the rest once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from curriculum.models import Problem
from tutor.models import Attempt

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Server:
    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = dict(
            os.environ,
            REDIS_URL=settings.REDIS_URL,
            TUTOR_ENGINE="none",
            PYTHONUNBUFFERED="1",  # the log must survive a killed process
            **env,
        )
        environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log = open(tmp / f"serve-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "config.serve", "--port", str(self.port), "--processes", "2"],
            cwd=ROOT,
            env=environ,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/accounts/login/", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"config.serve did not answer; see {self.log.name}")

    def daphnes(self) -> list[psutil.Process]:
        found = []
        for p in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                if p.status() != psutil.STATUS_ZOMBIE and "daphne" in " ".join(p.cmdline()):
                    found.append(p)
            except psutil.Error:  # gone, or a zombie not reaped yet
                pass
        return found

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def server(tmp_path):
    servers: list[Server] = []

    def start(**env: str) -> Server:
        servers.append(Server(tmp_path, **env))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def _session(student) -> dict[str, str]:
    client = Client()
    client.force_login(student)
    return {"sessionid": client.cookies["sessionid"].value}


def test_answers_at_once_are_stored_or_retryable_never_500(server, demo, student):
    srv = server(DATABASE_URL=_database_url(), DATABASE_POOL_SIZE="1", DATABASE_POOL_TIMEOUT="0.2")
    assert len(srv.daphnes()) == 2
    problem = Problem.objects.filter(skill__course=demo, answer_spec__kind="number").first()
    cookies = _session(student)
    page = httpx.get(f"{srv.url}/problems/{problem.pk}/", cookies=cookies, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies.update(page.cookies)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    sent = 40

    async def post_all(numbers: list[int]) -> dict[int, int]:
        async with httpx.AsyncClient(base_url=srv.url, cookies=cookies, timeout=60) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/problems/{problem.pk}/answer/", data={"answer": str(n)}, headers=headers
                    )
                    for n in numbers
                )
            )
        odd = [
            f"{r.status_code}: {r.text[:200]}" for r in responses if r.status_code not in (200, 503)
        ]
        assert not odd, odd
        return {n: r.status_code for n, r in zip(numbers, responses, strict=True)}

    statuses = asyncio.run(post_all(list(range(sent))))
    refused = sorted(n for n, status in statuses.items() if status == 503)
    assert set(statuses.values()) <= {200, 503}, statuses
    stored = set(Attempt.objects.filter(learner=student).values_list("raw_input", flat=True))
    assert stored == {str(n) for n, status in statuses.items() if status == 200}
    print(f"\n{sent} answers at once on a pool of 1 per process: {len(refused)} got 503")
    # The resends (as the page makes them) store the rest, each once.
    for _ in range(30):
        if not refused:
            break
        time.sleep(0.5)
        again = asyncio.run(post_all(refused))
        assert set(again.values()) <= {200, 503}
        refused = [n for n, status in again.items() if status == 503]
    assert not refused
    raw = list(Attempt.objects.filter(learner=student).values_list("raw_input", flat=True))
    assert sorted(raw, key=int) == [str(n) for n in range(sent)]

    # A web process that dies is started again; the port keeps answering meanwhile.
    victim = srv.daphnes()[0]
    victim.kill()
    assert httpx.get(f"{srv.url}/accounts/login/", timeout=30).status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = {p.pid for p in srv.daphnes()}
        if len(pids) == 2 and victim.pid not in pids:
            break
        time.sleep(0.5)
    assert len(pids) == 2 and victim.pid not in pids


def test_database_away_is_a_retryable_503_not_a_500(server, demo, student):
    # A database that refuses connections: the session read in the middleware fails too.
    srv = server(DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/nowhere")
    response = httpx.get(
        f"{srv.url}/courses/", cookies=_session(student), timeout=60, follow_redirects=False
    )
    assert response.status_code == 503, response.text[:300]
    assert response.headers["Retry-After"] == "2"
    assert "nothing was saved" in response.text  # a page, not htmx: the reader repeats it


def test_websocket_with_the_database_away_is_told_to_try_again_not_500(server, demo, student):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    srv = server(DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/nowhere")
    cookie = f"sessionid={_session(student)['sessionid']}"
    with connect(
        f"ws://127.0.0.1:{srv.port}/ws/ping/",
        additional_headers={"Cookie": cookie, "Origin": srv.url},
        open_timeout=60,
    ) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=60)
    assert closed.value.rcvd.code == 4013  # "busy": the page reconnects (static/js/tutor.js)
