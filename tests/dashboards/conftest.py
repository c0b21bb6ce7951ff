"""Fixtures of the dashboard tests: a seeded 40 × 30 × 50k class, and a live daphne server
(HTTP and websockets) in a child process, as channels.testing.ChannelsLiveServerTestCase runs it."""

from __future__ import annotations

import pytest


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
def daphne_server(live_daphne):
    """A daphne server with our ASGI application, serving static files, on a free port."""
    return live_daphne
