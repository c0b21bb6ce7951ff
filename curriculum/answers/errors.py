"""Errors raised by the parser (never by :func:`check`, which turns them into verdicts)."""

from __future__ import annotations

from typing import Any


class ParseError(ValueError):
    """The input could not be read.

    ``code`` is a stable verdict code (``syntax_error``, ``empty``, ``too_long``,
    ``too_complex``, ``unknown_word``, ``unknown_command``, ...), ``message`` a sentence
    for the student and ``position`` the 0-based character offset in the raw input
    where the problem was found (``None`` when it is not about one place).
    """

    def __init__(self, message: str, *, code: str = "syntax_error", position: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "position": self.position}
