"""A forked process opens its own database connections instead of sharing its parent's sockets
(the test suite's daphne child and prefork Celery workers are forked after their parent used the
connection pool)."""

from __future__ import annotations

import os

import pytest
from django.db import connection, connections


def _query(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _own_backend_started_after(mark) -> bool:
    return _query(
        "SELECT backend_start > %s FROM pg_stat_activity WHERE pid = pg_backend_pid()", [mark]
    )


@pytest.mark.django_db(transaction=True)
def test_forked_child_opens_its_own_connection_and_leaves_the_parents_alone():
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"):
        pytest.skip("needs PostgreSQL with the connection pool")
    parent_pid = _query("SELECT pg_backend_pid()")
    mark = _query("SELECT clock_timestamp()")
    connections.close_all()  # back into the pool, idle, as between two requests
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            os.write(write_end, b"new" if _own_backend_started_after(mark) else b"inherited")
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        answer = reader.read()
    os.waitpid(child, 0)

    assert answer == "new"
    # The parent's pooled connection survived the child (no terminate message on its socket).
    assert _query("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [parent_pid]) == 1
