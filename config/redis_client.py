"""The project's one Redis client helper: one connection pool per process and Redis URL.

redis-py's pool is thread-safe and notices a fork (the child opens its own connections); its
default retry reconnects after a Redis restart. ``health_check_interval`` pings a connection
that sat idle in the pool before using it again.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings

SOCKET_TIMEOUT_SECONDS = 10


def redis_client() -> redis.Redis:
    """A client for ``settings.REDIS_URL`` (decoded strings), shared in this process."""
    return _client_for(settings.REDIS_URL)


@lru_cache(maxsize=8)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        decode_responses=True,
        health_check_interval=15,
    )
