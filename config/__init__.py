"""The project's configuration and process plumbing: settings, the URL and websocket roots, the
ASGI and Celery apps, the launchers (`make run`, the web processes, the supervisor, the embedded
Redis) and the connections every app shares (Redis client, channel layer, worker heartbeats,
database connections after a fork). It knows no learner, course or model; the apps (`tutor`,
`curriculum`, `inference`) hold the product.

The Celery app lives in `config.celery` (`celery -A config` finds it there) and is loaded by
`ProjectConfig.ready()` (`config/apps.py`), not here: the launchers (`python -m config.serve`,
`config.embedded_redis`, ...) run without Django or Celery.
"""
