"""Fixtures of the dashboard tests: a seeded 40 × 30 × 50k class, and a live daphne server
(HTTP and websockets) in a child process, as channels.testing.ChannelsLiveServerTestCase runs it."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connections


@pytest.fixture(scope="module")
def big_class(django_db_setup, django_db_blocker):
    """Seeded once per module and removed after it (other modules share the database)."""
    from tutor.dashboards.seed import delete_seeded, seed_class

    with django_db_blocker.unblock():
        seeded = seed_class()
    yield seeded
    with django_db_blocker.unblock():
        delete_seeded(seeded)


@pytest.fixture
def daphne_server(transactional_db, settings):
    """A daphne server with our ASGI application, serving static files, on a free port."""
    from channels.testing.live import make_application, set_database_connection
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    for conn in connections.all():
        conn.close()  # the child is forked: it must open its own connections
    process = DaphneProcess(
        "localhost",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=set_database_connection,
    )
    process.start()
    while not process.ready.wait(timeout=1):
        if not process.is_alive():
            raise RuntimeError("daphne did not start")
    url = f"http://localhost:{process.port.value}"
    try:
        yield url
    finally:
        process.terminate()
        process.join(10)
