"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402


def _warm_up_answer_checker() -> None:
    """Start the checker's worker processes now, so the first answer is not kept waiting."""
    import threading

    from curriculum.answers.pool import default_pool

    threading.Thread(
        target=lambda: default_pool().start(wait=True), name="checker-warm-up", daemon=True
    ).start()


_warm_up_answer_checker()


BUSY_CLOSE_CODE = 4013


class WebsocketOverloadGuard:
    """A websocket that meets an overload (no database connection free in time, the database
    or Redis briefly away: reading the session, checking rights, an event) is closed with
    4013 ("try again later"; daphne allows only 1000 and 3000-4999 from servers), which the
    page reconnects after a pause (static/js/tutor.js), instead of failing the handshake with
    HTTP 500 or the socket with 1011."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        from tutor.middleware import is_overload

        state = {"accepted": False, "closed": False}

        async def tracking_send(message) -> None:
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not is_overload(exc) or state["closed"]:
                raise
            if not state["accepted"]:
                await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": BUSY_CLOSE_CODE, "reason": "The tutor is busy."}
            )


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketOverloadGuard(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
