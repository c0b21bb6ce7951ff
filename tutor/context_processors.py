from tutor.permissions import is_teacher


def roles(request) -> dict:
    user = getattr(request, "user", None)
    authed = bool(user and user.is_authenticated)
    return {
        "user_is_teacher": authed and is_teacher(user),
        "user_is_admin": authed and user.is_staff,
    }
