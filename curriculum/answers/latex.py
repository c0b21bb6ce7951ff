"""LaTeX (as MathLive and people write it) to our plain answer syntax.

Only a whitelist of commands is understood; anything else (``\\input``, ``\\def``,
``\\catcode``, ``\\write``, ...) is refused with a clear message. The output is plain text
that goes through the same tokenizer and grammar as typed answers, so there is one
place where answers become trees. Nothing is executed or expanded.
"""

from __future__ import annotations

import re

from .errors import ParseError
from .lexer import GREEK

_TOKEN_RE = re.compile(r"\\(?:[A-Za-z]+\*?|.)|[{}]|[^\\{}]", re.S)

_SIMPLE = {
    # operators
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "pm": "+-",
    "mp": "-+",
    "le": "<=",
    "leq": "<=",
    "leqslant": "<=",
    "ge": ">=",
    "geq": ">=",
    "geqslant": ">=",
    "lt": "<",
    "gt": ">",
    "ne": "!=",
    "neq": "!=",
    "approx": "=",
    "doteq": "=",
    "equiv": "=",
    "coloneq": "=",
    "colon": ":",
    "cup": " U ",
    "in": " in ",
    "to": " ",
    "mid": "|",
    "vert": "|",
    "lvert": "|",
    "rvert": "|",
    "lbrack": "[",
    "rbrack": "]",
    "lparen": "(",
    "rparen": ")",
    "lbrace": "{",
    "rbrace": "}",
    "{": "{",
    "}": "}",
    "|": "|",
    "%": "%",
    "$": "",
    "#": "",
    # spacing
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "quad": " ",
    "qquad": " ",
    "enspace": " ",
    "thinspace": " ",
    "medspace": " ",
    "thickspace": " ",
    "negthinspace": "",
    "\\": " ",
    "\n": " ",
    "displaystyle": " ",
    "textstyle": " ",
    "limits": "",
    "nolimits": "",
    "left.": "",
    "right.": "",
    "middle": "",
    # constants and names
    "infty": " oo ",
    "infin": " oo ",
    "pi": " pi ",
    "exponentialE": " e ",
    "imaginaryI": " i ",
    "emptyset": " {} ",
    "varnothing": " {} ",
    "R": " ℝ ",
    "Reals": " ℝ ",
    "degree": "",
    "circ": "",
    "ell": " l ",
}
_GREEK = GREEK  # one list of Greek letter names for both front ends
_FUNCS = {
    "sin",
    "cos",
    "tan",
    "sec",
    "csc",
    "cot",
    "arcsin",
    "arccos",
    "arctan",
    "arcsec",
    "arccsc",
    "arccot",
    "sinh",
    "cosh",
    "tanh",
    "coth",
    "sech",
    "csch",
    "exp",
    "ln",
    "log",
    "lg",
    "max",
    "min",
    "gcd",
    "det",
    "sgn",
}
_TEXT = {
    "text",
    "textrm",
    "textnormal",
    "textbf",
    "textit",
    "mathrm",
    "mathbf",
    "mathit",
    "mathsf",
    "mathtt",
    "textsf",
    "texttt",
    "mbox",
    "operatorname",
    "operatorname*",
    "mathnormal",
    "boldsymbol",
    "bm",
    "rm",
    "up",
    "textup",
}
_TRANSPARENT = {
    "boxed",
    "mathbb",
    "mathcal",
    "underline",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "left",
    "right",
}
_MATRIX_ENVS = {
    "pmatrix",
    "bmatrix",
    "Bmatrix",
    "matrix",
    "vmatrix",
    "Vmatrix",
    "smallmatrix",
    "array",
}
_FORBIDDEN_HINT = {
    "input",
    "include",
    "def",
    "edef",
    "gdef",
    "xdef",
    "let",
    "newcommand",
    "renewcommand",
    "providecommand",
    "catcode",
    "write",
    "immediate",
    "openout",
    "read",
    "openin",
    "csname",
    "expandafter",
    "usepackage",
    "documentclass",
    "special",
    "loop",
    "repeat",
    "href",
    "url",
    "includegraphics",
}
_MAX_DEPTH = 60


def looks_like_latex(s: str) -> bool:
    return "\\" in s or re.search(r"[\^_]\{|\{,\}", s) is not None


class _Reader:
    def __init__(self, src: str):
        self.toks = _TOKEN_RE.findall(src)
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> str | None:
        t = self.peek()
        self.i += 1
        return t

    def skip_space(self) -> None:
        while (t := self.peek()) is not None and t.isspace():
            self.i += 1

    def group(self) -> str:
        """One argument: a {group} or a single token, translated."""
        self.skip_space()
        t = self.next()
        if t is None:
            raise ParseError("A LaTeX command is missing its argument.", code="syntax_error")
        if t == "{":
            return self.until("}")
        if t == "}":
            raise ParseError("A LaTeX command is missing its argument.", code="syntax_error")
        if t.startswith("\\"):
            return self.command(t)
        return t

    def raw_group(self) -> str:
        """Contents of a {group} without translation (for \\text, \\begin)."""
        self.skip_space()
        t = self.next()
        if t != "{":
            return t or ""
        out: list[str] = []
        level = 1
        while True:
            t = self.next()
            if t is None:
                raise ParseError("A '{' is not closed.", code="syntax_error")
            if t == "{":
                level += 1
            elif t == "}":
                level -= 1
                if level == 0:
                    return "".join(out)
            out.append(t)

    def until(self, closer: str | None) -> str:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ParseError("Your answer is nested too deeply.", code="too_complex")
        out: list[str] = []
        while True:
            t = self.peek()
            if t is None:
                if closer is not None:
                    raise ParseError("A '{' is not closed.", code="syntax_error")
                break
            self.i += 1
            if t == closer:
                break
            if t == "{":
                inner = self.until("}")
                out.append("{" + inner + "}" if "," in inner else "(" + inner + ")")
            elif t == "}":
                raise ParseError("There is a '}' without a matching '{'.", code="syntax_error")
            elif t.startswith("\\"):
                out.append(self.command(t))
            elif t in "^_":
                self.skip_space()
                nxt = self.peek()
                if nxt == "{":
                    self.i += 1
                    inner = self.until("}")
                    if t == "^":
                        out.append("^(" + inner + ")")
                    else:
                        sub = re.sub(r"\s+", "", inner)
                        out.append("_{" + sub + "}" if sub.isalnum() else "_{" + sub + "}")
                else:
                    out.append(t)
            elif t == "&":
                out.append(" ")
            elif t == "~":
                out.append(" ")
            else:
                out.append(t)
        self.depth -= 1
        return "".join(out)

    def command(self, t: str) -> str:
        name = t[1:]
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            a = self.group()
            b = self.group()
            return f"(({a})/({b}))"
        if name == "sqrt":
            self.skip_space()
            if self.peek() == "[":
                self.i += 1
                idx = []
                while self.peek() not in ("]", None):
                    tok = self.next()
                    assert tok is not None  # peek() just saw it
                    idx.append(self.command(tok) if tok.startswith("\\") else tok)
                self.i += 1
                a = self.group()
                return f" root({a}, {''.join(idx)})"
            return f" sqrt({self.group()})"
        if name == "left" or name == "right":
            self.skip_space()
            nxt = self.next()
            if nxt is None:
                return ""
            if nxt == ".":
                return ""
            if nxt.startswith("\\"):
                return _SIMPLE.get(nxt[1:], "") if nxt[1:] in _SIMPLE else self.command(nxt)
            return nxt
        if name in _SIMPLE:
            return _SIMPLE[name]
        if name in _GREEK:
            return f" {name} "
        if name in _FUNCS:
            return f" {name} "
        if name in _TEXT:
            content = self.raw_group()
            return " " + _text_content(content) + " "
        if name in _TRANSPARENT:
            if name == "mathbb":
                inner = self.raw_group().strip()
                return " ℝ " if inner == "R" else " " + inner + " "
            if name in ("left", "right"):
                return ""
            if name.startswith(("big", "Big")):
                return ""
            return " (" + self.group() + ") " if name == "boxed" else self.group()
        if name == "begin":
            env = self.raw_group().strip()
            if env not in _MATRIX_ENVS and env not in (
                "aligned",
                "align",
                "align*",
                "cases",
                "gathered",
            ):
                raise ParseError(
                    f"We cannot read the LaTeX environment '{env}'.", code="unknown_command"
                )
            if env == "array":
                self.raw_group()  # column spec
            body = self._env_body(env)
            if env in _MATRIX_ENVS:
                rows = [r for r in re.split(r"\\\\", body) if r.strip()]
                cells = [[_Reader(c).until(None).strip() for c in r.split("&")] for r in rows]
                return " matrix(" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + ") "
            return _Reader(body.replace("\\\\", ",").replace("&", "")).until(None)
        if name == "end":
            raise ParseError("There is an \\end without a \\begin.", code="syntax_error")
        if name in _FORBIDDEN_HINT:
            raise ParseError(
                f"The LaTeX command \\{name} is not allowed in an answer.", code="unknown_command"
            )
        # sloppy spacing glued to a letter: \quadx -> \quad x
        for known in ("qquad", "quad", "cdot", "times", "pm"):
            if name.startswith(known) and name[len(known) :].isalpha():
                return _SIMPLE[known] + " " + name[len(known) :] + " "
        raise ParseError(f"We do not know the LaTeX command \\{name}.", code="unknown_command")

    def _env_body(self, env: str) -> str:
        out: list[str] = []
        level = 0
        while True:
            t = self.next()
            if t is None:
                raise ParseError(f"\\begin{{{env}}} is not closed.", code="syntax_error")
            if t == "\\begin":
                level += 1
            if t == "\\end":
                if level == 0:
                    self.raw_group()
                    return "".join(out)
                level -= 1
            out.append(t)


def _text_content(content: str) -> str:
    c = content.strip()
    if re.fullmatch(r"[A-Za-z0-9 .,]*", c):
        return c
    return _Reader(c).until(None)


def latex_to_text(src: str) -> str:
    s = src
    s = s.replace("{,}", ".")  # MathLive's decimal comma
    s = re.sub(r",\\!\s*", ",", s)  # 11,\!111 thousands
    s = s.replace("\\!", "")
    r = _Reader(s)
    out = r.until(None)
    return re.sub(r"\s+_", "_", out)  # "\\alpha _{1}" -> alpha_{1}
