"""The streaming benchmark's core with real processes (daphne, a Celery worker, websocket
clients): two clients with batching on lose nothing. Timings are not asserted."""

from __future__ import annotations

import pytest
from django.conf import settings

from inference import bench_stream

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_two_batched_clients_receive_every_message(tiny_checkpoint, redis_client):
    problem, users, warmup_user = bench_stream.seed(2)
    rows = bench_stream.run_benchmark(
        [bench_stream.RowSpec(clients=2, batching=True, max_new_tokens=16)],
        checkpoint=tiny_checkpoint,
        # A database of its own: the suite's worker may be consuming `gpu` on the default one.
        redis_url=bench_stream.with_db(settings.REDIS_URL, 12),
        problem=problem,
        users=users,
        warmup_user=warmup_user,
        log=lambda message: None,
    )
    (row,) = rows
    assert row.clients == 2 and row.batching and row.max_batch_size >= 2
    assert row.failed_clients == 0
    assert row.tokens > 0 and row.deltas > 0
    assert row.lost == 0
    assert row.duplicated == 0
    assert row.text_mismatches == 0
