"""Password log-in that gives its database connection back while it hashes.

Checking a password costs about half a second of CPU (PBKDF2). Django's ModelBackend holds the
request's database connection through it, so a class logging in at once held every pooled
connection for seconds and starved answers and dashboards (503s, a dashboard socket closed).
This backend reads the user, returns the connection to the pool, then hashes.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection


def _release_connection() -> None:
    if not connection.in_atomic_block:
        connection.close()  # pooled: back to the pool; the next query takes one again


class PoolFriendlyModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            _release_connection()
            user_model().set_password(password)  # the same time as a real check
            raise PermissionDenied from None  # decided: no later backend hashes again
        _release_connection()
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        raise PermissionDenied
