"""Request-wide rules: the admin is for staff only; security headers on every response."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class UserLanguageMiddleware:
    """Activate the interface language for the request: the signed-in user's own choice
    (``User.language``), else the language cookie (set by the chooser for anyone), else the
    browser's Accept-Language, else English. Says which on the response (Content-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = user.language if user is not None and user.is_authenticated else ""
        language = (
            chosen
            if chosen in dict(settings.LANGUAGES)
            else translation.get_language_from_request(request)
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        if not response.streaming:
            # Nothing after the response may inherit this user's language (this thread serves
            # other users next); a streamed body (CSV) still renders in it.
            translation.deactivate()
        return response


class StaffOnlyAdminMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/admin/")
            and user is not None
            and user.is_authenticated
            and not user.is_staff
        ):
            raise PermissionDenied(_("The admin is for administrators only."))
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (unless a view set its own, e.g. figures), and
    `Cache-Control: private` on every page served to a signed-in user so no shared cache keeps
    one student's page for another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = settings.CONTENT_SECURITY_POLICY
            if request.path.startswith("/admin/"):
                policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            response["Content-Security-Policy"] = policy
        user = getattr(request, "user", None)
        try:
            signed_in = user is not None and user.is_authenticated
        except OperationalError:  # the session could not be read now: err on the safe side
            signed_in = True
        if signed_in:
            patch_cache_control(response, private=True)
        return response


def is_overload(exception: BaseException | None) -> bool:
    """No database connection free within the pool's timeout, or the database or Redis briefly
    away: worth a retry, not a 500."""
    return isinstance(exception, OperationalError | redis.ConnectionError | redis.TimeoutError)


def overloaded_response(request=None) -> HttpResponse:
    # htmx requests are resent by the page itself; a plain form or page is the reader's to repeat.
    resent = request is None or request.headers.get("HX-Request") == "true"
    response = HttpResponse(
        "The tutor is very busy right now. Nothing was lost: your request is sent again in "
        "a moment."
        if resent
        else "The tutor is very busy right now and nothing was saved. Please try again in a "
        "moment.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OverloadMiddleware:
    """An overload in a view (see is_overload) answers 503 with Retry-After, which the page
    resends by itself (static/js/tutor.js). Whatever the request wrote was rolled back with
    its transaction, so the resend stores it once. Overloads outside views (in middleware,
    e.g. reading the session) are answered the same way by `tutor.views.server_error`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_overload(exception):
            return None
        log.warning("overloaded: %s %s: %s", request.method, request.path, exception)
        return overloaded_response(request)
