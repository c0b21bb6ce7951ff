"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from tutor.routing import websocket_urlpatterns  # noqa: E402


def _warm_up_answer_checker() -> None:
    """Start the checker's worker processes now, so the first answer is not kept waiting."""
    import threading

    from curriculum.answers.pool import default_pool

    threading.Thread(
        target=lambda: default_pool().start(wait=True), name="checker-warm-up", daemon=True
    ).start()


_warm_up_answer_checker()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
