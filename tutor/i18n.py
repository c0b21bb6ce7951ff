"""The interface language outside a request: for a websocket (its scope) or a user."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_for_scope(scope: dict) -> str:
    """As UserLanguageMiddleware decides for a page: the user's choice, else the language
    cookie, else the browser's Accept-Language, else the default."""
    user = scope.get("user")
    chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    if chosen and (code := _supported(chosen)):
        return code
    cookie = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie and (code := _supported(cookie)):
        return code
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    for lang, _quality in parse_accept_lang_header(accept):
        if lang != "*" and (code := _supported(lang)):
            return code
    return settings.LANGUAGE_CODE
