"""``parse(raw, syntax="auto")``: text or LaTeX to a :class:`Parsed` answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ParseError
from .grammar import parse_tokens
from .inputs import too_long_message
from .latex import latex_to_text, looks_like_latex
from .lexer import SPECIAL_PHRASES, ParseOptions, tokenize
from .nodes import Node, to_latex, to_text

__all__ = ["Parsed", "ParseOptions", "parse", "to_sympy"]

_DELIMS = [
    (r"^\$\$(.*)\$\$$", re.S),
    (r"^\$(.*)\$$", re.S),
    (r"^\\\((.*)\\\)$", re.S),
    (r"^\\\[(.*)\\\]$", re.S),
]


@dataclass
class Parsed:
    node: Node
    raw: str
    syntax: str  # "text" or "latex"
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """How we read the answer, as plain text with explicit ``*``."""
        return to_text(self.node)

    @property
    def latex(self) -> str:
        return to_latex(self.node)

    def sympy(self, log_base: str = "e") -> Any:
        """The SymPy value of an expression answer (raises ``ValueError`` for relations, sets...)."""
        return to_sympy(self.node, log_base=log_base)

    def __str__(self) -> str:
        return self.text


def to_sympy(node: Node, log_base: str = "e") -> Any:
    from .convert import Converter

    return Converter(log_base=log_base).conv(node)


def _strip_delims(s: str) -> str:
    for pat, flags in _DELIMS:
        m = re.match(pat, s, flags)
        if m:
            return m.group(1).strip()
    return s


def parse(raw: str, syntax: str = "auto", options: ParseOptions | None = None, **kw: Any) -> Parsed:
    """Read a typed or LaTeX answer into a :class:`Parsed` tree.

    ``syntax`` is ``"auto"`` (LaTeX when the input has a backslash command or ``^{``),
    ``"text"`` or ``"latex"``. Keyword arguments set :class:`ParseOptions` fields
    (``variables=("x", "y")``, ``number_grouping=True``, ...). Raises :class:`ParseError`.
    """
    if not isinstance(raw, str):
        raise ParseError("The answer must be text.", code="syntax_error")
    opts = options or ParseOptions()
    if kw:
        opts = ParseOptions(**{**opts.__dict__, **kw})
    if len(raw) > opts.max_length:
        raise ParseError(
            too_long_message(len(raw), opts.max_length),
            code="too_long",
        )
    s = raw.strip()
    if not s:
        raise ParseError("Your answer is empty.", code="empty")
    if syntax not in ("auto", "text", "latex"):
        raise ValueError(f"syntax must be 'auto', 'text' or 'latex', not {syntax!r}")
    used = "text"
    s2 = _strip_delims(s)
    if syntax == "latex" or (syntax == "auto" and (looks_like_latex(s2) or s2 != s)):
        used = "latex"
        s2 = latex_to_text(s2)
    s = s2.strip()
    if not s:
        raise ParseError("Your answer is empty.", code="empty")
    phrase = re.sub(r"\s+", " ", s.lower()).strip(" .")
    if phrase in SPECIAL_PHRASES:
        return Parsed(Node("special", (), SPECIAL_PHRASES[phrase]), raw, used, [])
    lexed = tokenize(s, opts)
    node = parse_tokens(lexed.tokens, lexed.notes, lexed.text)
    return Parsed(node, raw, used, lexed.notes)
