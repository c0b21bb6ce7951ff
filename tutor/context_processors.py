from tutor.permissions import is_teacher


def roles(request) -> dict:
    user = getattr(request, "user", None)
    authed = bool(user and user.is_authenticated)
    return {
        "user_is_teacher": authed and is_teacher(user),
        "user_is_admin": authed and user.is_staff,
    }


def js_strings(request) -> dict:
    """Sentences that our scripts show, translated for the page (base.html writes them as
    JSON; static/js/*.js read them with a fallback to the English)."""
    from django.utils.translation import gettext as _

    return {
        "js_strings": {
            "busy_resending": _(
                "The tutor is very busy. Your answer is kept and is being sent again…"
            ),
            "server_error": _(
                "The server could not check your answer right now (error {status}). Your "
                "answer is still in the box: try again in a moment."
            ),
            "unreachable": _(
                "We could not reach the server. Check your connection; your answer is still "
                "in the box."
            ),
            "too_many_sockets": _("Too many open connections: close other tabs and reload."),
            "live_on": _("Live updates: on. The grid changes as students answer."),
            "live_off": _(
                "Live updates: disconnected, reconnecting… Reload the page if this stays."
            ),
        }
    }
