"""Signed-in users who are not staff get 403 from the Django admin instead of its login page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


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
            raise PermissionDenied("The admin is for administrators only.")
        return self.get_response(request)
