"""Steps that browser tests share."""

from __future__ import annotations

import re


def log_in(page, base_url: str, username: str = "demo-student", password: str = "tutor-demo"):
    """Sign in through the login form and wait for the course list."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/courses/"))
