"""Shared fixtures: real Redis, a real Celery worker, demo data, and headless Chromium."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs a loop in the test thread.

import pytest
import redis
from django.conf import settings

from tests.inference import fake_openai

BROWSER_REQUIRED = os.environ.get("TUTOR_REQUIRE_BROWSER") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# Tests that each take seconds (real process stacks, load and fault runs, simulations, training,
# the real OATutor pool): `make test` (the quick default) leaves them and the browser tests out;
# `make test-all` (and CI) runs everything.
SLOW = (
    "tests/test_loadtest.py",
    "tests/test_faults.py",
    "tests/test_serving.py",
    "tests/adaptive/test_simulation.py",
    "tests/adaptive/test_mastery.py::test_on_the_simulator",
    "tests/adaptive/test_cold_start.py::test_refits_move_parameters_smoothly",
    "tests/inference/test_bench_stream.py",
    "tests/training/test_train.py",
    "tests/curriculum/test_oatutor.py::test_a_sample_of_the_real_pool",
    "tests/curriculum/test_restatements.py::test_oatutor_pool",
    "tests/dashboards/test_dashboard.py::test_attempts_csv_streams_50k_rows",
    "tests/answers/test_pool.py",
    "tests/test_platform.py::test_channel_layer_survives_an_idle_wait",
)


def pytest_collection_modifyitems(config, items):
    """Slow tests are marked (see SLOW). Browser tests run when Chromium is installed, and must
    run when it is required."""
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    if CHROMIUM:
        return
    for item in items:
        if "browser" in item.keywords:
            if BROWSER_REQUIRED:
                item.add_marker(
                    pytest.mark.xfail(
                        reason="TUTOR_REQUIRE_BROWSER=1 but no chromium", run=False, strict=True
                    )
                )
            else:
                item.add_marker(pytest.mark.skip(reason="Chromium is not installed"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing costs about a second per password on this machine; tests need no cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The pure cores' tests (the answer checker, the adaptive engine, the SambaY model and the steps
# core; the training data is pure too) run with no Redis and no database: the Redis fixtures
# below leave them alone unless one of them asks for the database. Every other test gets a
# flushed Redis database at the start of the session and its throttles cleared, as before.
PURE_CORE_TESTS = (
    "tests/answers/",
    "tests/adaptive/",
    "tests/sambay/",
    "tests/steps/",
    "tests/training/test_data.py",
)


def uses_services(request: pytest.FixtureRequest) -> bool:
    """Whether a test may touch Redis: every test outside the pure cores' directories, and a
    test inside them that uses the database."""
    if not request.node.nodeid.startswith(PURE_CORE_TESTS):
        return True
    return (
        "_django_db_helper" in request.fixturenames
        or request.node.get_closest_marker("django_db") is not None
    )


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # pragma: no cover - environment problem, said clearly
        pytest.fail(
            f"Redis at {settings.REDIS_URL} is not reachable: {exc}. Run tests with `make test`."
        )
    # The tests' database number is theirs alone (CI: /9; make test: a private server); start
    # clean so keys left by an earlier run cannot meet a fresh database's reused ids. Whatever
    # uses Redis in a session (the Celery worker, the throttle clean-up below) comes through
    # this fixture, so the flush happens before any of it.
    client.flushdb()
    return client


@pytest.fixture(autouse=True)
def _clear_throttles(request):
    """Abuse-limit counters (tutor.throttle) live in the shared cache: each test starts fresh,
    or the suite's own log-ins and sign-ups from 127.0.0.1 would add up. (Pure-core tests:
    nothing to clear, and no Redis needed; see PURE_CORE_TESTS.)"""
    if not uses_services(request):
        return
    request.getfixturevalue("redis_client")  # reachable, and flushed once per session
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"], socket_timeout=5)
    keys = list(client.scan_iter(match="*throttle:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def demo(db):
    from tutor.demo import seed_demo

    seed_demo()
    from curriculum.models import Course

    return Course.objects.get(slug="demo-prealgebra")


@pytest.fixture
def student(demo):
    from tutor.models import User

    return User.objects.get(username="demo-student")


@pytest.fixture
def teacher(demo):
    from tutor.models import User

    return User.objects.get(username="demo-teacher")


@pytest.fixture
def admin_user_demo(demo):
    from tutor.models import User

    return User.objects.get(username="demo-admin")


@pytest.fixture
def other_student(db):
    from tutor import services
    from tutor.models import User

    user = User.objects.create_user(username="other-student", password="pw-other-1234")
    return services.make_student(user=user)


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup, django_db_blocker, redis_client):
    """A real Celery worker (threads) consuming both queues from the real broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with django_db_blocker.unblock():
        with start_worker(
            app,
            pool="threads",
            concurrency=10,  # threads: concurrent generations share one engine
            perform_ping_check=False,
            queues=["default", "gpu"],
            loglevel="WARNING",
            shutdown_timeout=20,
        ) as worker:
            yield worker


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it is
# open, which would break asyncio tests in other modules.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def _fresh_sync_executor() -> None:
    """In the forked child: asgiref's executor for thread-sensitive sync code still counts the
    parent's worker thread, which does not exist here, so nothing submitted to it would ever
    run (database_sync_to_async in a consumer would hang). Give the child its own."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


@pytest.fixture
def live_daphne(settings, transactional_db):
    """daphne serving the real ASGI app (HTTP + websockets, static files) from a child process
    on a free port. The child is forked when this fixture starts, with the settings as they are
    then (already pointing at the test database): request engine fixtures before it."""
    from functools import partial

    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    # Two processes must never share one database socket: close ours before the fork.
    # (No `set_database_connection` setup: it would prefix "test_" a second time.)
    connections.close_all()
    process = DaphneProcess(
        "localhost",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=_fresh_sync_executor,
    )
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("daphne did not start")
    yield f"http://localhost:{process.port.value}"
    process.terminate()
    process.join(timeout=10)


# ---------------------------------------------------------------- the remote engine
# A local OpenAI-compatible server (tests.inference.fake_openai) and the settings that point the
# remote engine at it, for the inference tests and the browser tests alike.
fake_server = fake_openai.fake_server


@pytest.fixture
def remote_engine(settings, fake_server):
    """Settings for the remote engine against the local fake OpenAI server."""
    from inference import engines

    _, url = fake_server
    settings.TUTOR_ENGINE, settings.TUTOR_REMOTE_URL = "remote", url
    engines.reset_engine()
    yield settings
    engines.reset_engine()
