"""Abuse limits on Django's cache (Redis, shared by every web process): failed log-ins per
account and per address, wrong join codes per user, sign-ups per address.

Each limit is a counter in a fixed window: `hit` counts one event, `blocked` says whether the
limit is reached and for how many more seconds. Counting failures only (not successes) keeps a
class that logs in from one school address unaffected by its own correct log-ins.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

PREFIX = "throttle:"


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window_seconds: int


def login_account_limit() -> Limit:
    return Limit("login-account", settings.TUTOR_LOGIN_FAILURES_PER_ACCOUNT, 15 * 60)


def login_address_limit() -> Limit:
    return Limit("login-address", settings.TUTOR_LOGIN_FAILURES_PER_ADDRESS, 15 * 60)


def join_limit() -> Limit:
    return Limit("join-code", settings.TUTOR_JOIN_FAILURES_PER_HOUR, 3600)


def signup_limit() -> Limit:
    return Limit("signup-address", settings.TUTOR_SIGNUPS_PER_HOUR_PER_ADDRESS, 3600)


def _key(limit: Limit, subject: str) -> str:
    # Hashed: usernames and addresses are not written into cache keys as they are.
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return f"{PREFIX}{limit.name}:{digest}"


def hit(limit: Limit, subject: str) -> int:
    """Count one event; returns the count in the current window."""
    key = _key(limit, subject)
    if cache.add(key, 1, timeout=limit.window_seconds):
        cache.set(key + ":end", time.time() + limit.window_seconds, limit.window_seconds)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window_seconds)
        return 1


def blocked(limit: Limit, subject: str) -> int:
    """0 when allowed; otherwise the seconds until the window ends (at least 1)."""
    key = _key(limit, subject)
    if (cache.get(key) or 0) < limit.count:
        return 0
    end = cache.get(key + ":end")
    return max(1, int(end - time.time())) if end else limit.window_seconds


def reset(limit: Limit, subject: str) -> None:
    key = _key(limit, subject)
    cache.delete_many([key, key + ":end"])


def client_address(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or behind a trusted proxy (TRUST_X_FORWARDED_FOR)
    the address that proxy saw, the last one it appended to X-Forwarded-For."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address or "unknown"


def minutes(seconds: int) -> str:
    count = max(1, -(-seconds // 60))
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}
