"""The Redis channel layer with a bounded, blocking connection pool per process.

channels-redis opens a new connection whenever every pooled one is busy, without limit; a burst
of websocket opens (each joins a group) then opens hundreds of connections until Redis or the
client refuses ("Too many connections", HTTP 500 on the handshake). Here each process holds at
most CHANNEL_LAYER_POOL_SIZE connections and a caller waits (up to CHANNEL_LAYER_POOL_TIMEOUT s)
for a free one instead.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from channels_redis.core import RedisChannelLayer
from django.conf import settings


class BoundedRedisChannelLayer(RedisChannelLayer):
    def create_pool(self, index: int) -> aioredis.BlockingConnectionPool:
        host = dict(self.hosts[index])
        address = host.pop("address")
        return aioredis.BlockingConnectionPool.from_url(
            address,
            max_connections=settings.CHANNEL_LAYER_POOL_SIZE,
            timeout=settings.CHANNEL_LAYER_POOL_TIMEOUT,
            **host,
        )
