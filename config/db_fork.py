"""A forked child must not use its parent's database connections.

With PostgreSQL the connections live in a psycopg pool per process (see settings). A process
forked after its parent opened the pool (the test suite's daphne child, a prefork Celery worker
whose parent touched the database) inherits the pool with its sockets: both processes would then
talk over one socket, and each reads the other's replies ("the last operation didn't produce
records (command status: UPDATE 1)"). The child drops the inherited pools and opens its own.

The inherited pools are kept referenced, never closed: closing them would send PostgreSQL a
terminate message over the parent's sockets.
"""

from __future__ import annotations

import os

_inherited: list[object] = []


def _forget_parent_pools() -> None:
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper
    except ImportError:  # psycopg not installed: nothing pooled
        return
    from django.db import connections

    pools = DatabaseWrapper._connection_pools
    _inherited.extend(pools.values())
    pools.clear()
    # A connection the forking thread held is the parent's too.
    for wrapper in connections.all(initialized_only=True):
        if wrapper.vendor == "postgresql" and wrapper.connection is not None:
            _inherited.append(wrapper.connection)
            wrapper.connection = None


def install() -> None:
    """Register the hook once per process (idempotent)."""
    global _installed
    if _installed:
        return
    os.register_at_fork(after_in_child=_forget_parent_pools)
    _installed = True


_installed = False
