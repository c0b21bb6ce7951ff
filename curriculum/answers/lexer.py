"""Tokenizer for typed answers: unicode clean-up, whitelisted words, bounds.

Every identifier is checked against a whitelist (functions, constants, greek letters,
the problem's variables, single letters). Unknown words are split into known pieces
(``xy`` -> ``x*y``, ``sinx`` -> ``sin x``) and each split is recorded as a note, so the
student can be told how the answer was read; a word that cannot be split sensibly is a
syntax error. Nothing here evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Token

from .errors import ParseError
from .inputs import MAX_LENGTH, too_long_message

# ------------------------------------------------------------------ whitelists
FUNCTIONS = {
    "sin",
    "cos",
    "tan",
    "sec",
    "csc",
    "cot",
    "asin",
    "acos",
    "atan",
    "asec",
    "acsc",
    "acot",
    "arcsin",
    "arccos",
    "arctan",
    "arcsec",
    "arccsc",
    "arccot",
    "sinh",
    "cosh",
    "tanh",
    "sech",
    "csch",
    "coth",
    "asinh",
    "acosh",
    "atanh",
    "arsinh",
    "arcosh",
    "artanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "exp",
    "ln",
    "log",
    "lg",
    "sqrt",
    "cbrt",
    "root",
    "abs",
    "floor",
    "ceil",
    "ceiling",
    "sign",
    "sgn",
    "matrix",
    "max",
    "min",
    "gcd",
    "lcm",
    "det",
    "binomial",
    "nCr",
    "factorial",
}
CONSTANTS = {
    "pi": "pi",
    "e": "e",
    "i": "i",
    "oo": "oo",
    "inf": "oo",
    "infinity": "oo",
    "infty": "oo",
}
GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
}
PERCENT_WORDS = {"percent", "pct", "percentage", "percents"}
WORD_OPS = {"or": "OR", "and": "AND"}

# whole-answer phrases (lower case, spaces collapsed)
SPECIAL_PHRASES = {
    "no solution": "nosol",
    "no solutions": "nosol",
    "no real solution": "nosol",
    "no real solutions": "nosol",
    "none": "nosol",
    "dne": "nosol",
    "does not exist": "nosol",
    "no answer": "nosol",
    "empty set": "empty",
    "the empty set": "empty",
    "{}": "empty",
    "∅": "empty",
    "all real numbers": "allreal",
    "all reals": "allreal",
    "all real": "allreal",
    "every real number": "allreal",
    "infinitely many solutions": "allreal",
    "r": "allreal",
    "ℝ": "allreal",
    "(-oo, oo)": "allreal",
    "(-inf, inf)": "allreal",
    "(-infinity, infinity)": "allreal",
    "(-∞, ∞)": "allreal",
    "(-∞,∞)": "allreal",
    "(-oo,oo)": "allreal",
    "(-inf,inf)": "allreal",
}

# unicode -> ascii spelling
_UNICODE = {
    "\u2212": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00d7": "*",
    "\u00b7": "*",
    "\u22c5": "*",
    "\u2219": "*",
    "\u2022": "*",
    "\u2715": "*",
    "\u2217": "*",
    "\u00f7": "/",
    "\u2215": "/",
    "\u2044": "/",
    "\u221a": " sqrt",
    "\u221b": " cbrt",
    "\u03c0": " pi ",
    "\u221e": " oo ",
    "\u2264": "<=",
    "\u2266": "<=",
    "\u2a7d": "<=",
    "\u2265": ">=",
    "\u2267": ">=",
    "\u2a7e": ">=",
    "\u2260": "!=",
    "\u00b1": "+-",
    "\u2213": "-+",
    "\u222a": " U ",
    "\u2229": " intersect ",
    "\u2208": " in ",
    "\u2205": " {} ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u3000": " ",
    "\u200b": "",
    "\u2061": "",
    "\u2062": "",
    "\u2063": "",
    "\ufeff": "",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\uff08": "(",
    "\uff09": ")",
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00b9": "^1",
    "\u2070": "^0",
    "\u2074": "^4",
    "\u2075": "^5",
    "\u2076": "^6",
    "\u2077": "^7",
    "\u2078": "^8",
    "\u2079": "^9",
    "\u207b\u00b9": "^(-1)",
    "\u00bd": " 1/2",
    "\u00bc": " 1/4",
    "\u00be": " 3/4",
    "\u2153": " 1/3",
    "\u2154": " 2/3",
    "\u03b8": " theta ",
    "\u03b1": " alpha ",
    "\u03b2": " beta ",
    "\u03bb": " lambda ",
    "\u03bc": " mu ",
    "\u03c3": " sigma ",
    "\u03c6": " phi ",
    "\u03c9": " omega ",
    "\u0394": " Delta ",
    "\u03b4": " delta ",
    "\u2102": " C ",
    "\u211d": " ℝ ",
    "\u00b0": " deg ",
}
_UNICODE_RE = re.compile("|".join(sorted(map(re.escape, _UNICODE), key=len, reverse=True)))
_ALLOWED_CHARS = set(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n\r+-*/^()[]{},.;:|=<>!%_'ℝ"
)


@dataclass(frozen=True)
class ParseOptions:
    variables: tuple[str, ...] = ()  # names in play (multi-letter allowed)
    number_grouping: bool = False  # 1,000 and 1 000 as thousands
    decimal_comma: bool = False  # 1,5 as 1.5
    mixed_numbers: bool = True  # 1 1/2 as 1 + 1/2
    max_length: int = MAX_LENGTH
    max_depth: int = 40
    max_tokens: int = MAX_LENGTH  # a character makes at most one token: the length limit rules
    max_number_digits: int = 60
    extra_functions: tuple[str, ...] = ()


@dataclass
class Lexed:
    tokens: list[Token]
    notes: list[str] = field(default_factory=list)
    text: str = ""


_SINGLE_CHAR_TOKENS = {
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "^": "CARET", "!": "BANG",
    "%": "PERCENT", ",": "COMMA", ";": "SEMI", ":": "COLON",
}  # fmt: skip


def _check_depth(depth: int, max_depth: int, position: int) -> None:
    if depth > max_depth:
        raise ParseError(
            f"Your answer is nested too deeply (more than {max_depth} brackets).",
            code="too_complex",
            position=position,
        )


def normalise(raw: str) -> str:
    """Unicode spellings to ascii (positions shift a little; only used for messages)."""
    s = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], raw)
    return s


def _tok(type_: str, value: str, pos: int) -> Token:
    return Token(type_, value, start_pos=pos, line=1, column=pos + 1)


_NUM_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)")
_EXP_RE = re.compile(r"[eE][+-]?\d+(?![A-Za-z0-9_])")
_WORD_RE = re.compile(r"[A-Za-zℝ][A-Za-z]*")
_SUB_RE = re.compile(r"_(?:\{?([A-Za-z0-9]+)\}?)")

_OPERAND_END = {
    "NUMBER",
    "NAME",
    "CONST",
    "RPAR",
    "RSQB",
    "RBRACE",
    "RBAR",
    "BANG",
    "PERCENT",
    "MIXED",
    "SPECIAL",
}


def _split_word(word: str, known: set[str], variables: set[str]) -> list[str] | None:
    """Split an unknown word into known names (longest first) and single letters."""
    best: list[str] | None = None

    # dynamic programming over positions, preferring fewer pieces
    n = len(word)
    dp: list[list[str] | None] = [None] * (n + 1)
    dp[0] = []
    for i in range(n):
        prev = dp[i]
        if prev is None:
            continue
        for j in range(n, i, -1):
            piece = word[i:j]
            if piece in known or j == i + 1:
                cand = prev + [piece]
                cur = dp[j]
                if cur is None or len(cand) < len(cur):
                    dp[j] = cand
    best = dp[n]
    if best is None:
        return None
    # too many unexplained single letters: it's a word we do not know, not a product
    loose = [p for p in best if len(p) == 1 and p not in variables and p not in known]
    if len(loose) > 3 or (len(loose) == len(best) and len(best) > 3):
        return None
    return best


def tokenize(raw: str, opts: ParseOptions) -> Lexed:
    if len(raw) > opts.max_length:
        raise ParseError(
            too_long_message(len(raw), opts.max_length),
            code="too_long",
        )
    text = normalise(raw)
    notes: list[str] = []
    variables = set(opts.variables)
    functions = FUNCTIONS | set(opts.extra_functions)
    # constants may be shadowed by the problem's variables (e.g. "e" as an edge length)
    constants = {k: v for k, v in CONSTANTS.items() if k not in variables}
    known = (
        functions | set(constants) | GREEK | variables | PERCENT_WORDS | set(WORD_OPS) | {"U", "in"}
    )

    for idx, ch in enumerate(text):
        if ch not in _ALLOWED_CHARS:
            raise ParseError(
                f"We could not read the character '{ch}' (position {idx + 1}).",
                code="syntax_error",
                position=idx,
            )

    toks: list[Token] = []
    depth = 0
    open_bars = 0
    i = 0
    n = len(text)

    def prev_type() -> str | None:
        return toks[-1].type if toks else None

    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        # ---------------------------------------------------------------- numbers
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            start = i
            m = _NUM_RE.match(text, i)
            assert m is not None  # a digit (or . and a digit) starts a number
            digits = m.group(0)
            i = m.end()
            # thousands separators: 1,000,000 / 1 000 000
            if opts.number_grouping and re.fullmatch(r"[1-9]\d{0,2}", digits):
                gm = re.match(r"(?:,\d{3}(?!\d))+(?:\.\d+)?", text[i:])
                if gm and not (opts.decimal_comma and False):
                    digits += gm.group(0).replace(",", "")
                    i += gm.end()
                else:
                    gm = re.match(r"(?: \d{3}(?![\d/]))+(?:\.\d+)?", text[i:])
                    if gm:
                        digits += gm.group(0).replace(" ", "")
                        i += gm.end()
            if opts.decimal_comma and "." not in digits:
                dm = re.match(r",(\d+)(?![\d,])", text[i:])
                if dm and not (len(dm.group(1)) == 3 and opts.number_grouping and digits[0] != "0"):
                    digits += "." + dm.group(1)
                    i += dm.end()
            em = _EXP_RE.match(text, i)
            if em:
                digits += em.group(0).lower()
                i = em.end()
            if digits.endswith(".") and i < n and text[i] == ".":
                raise ParseError("Your answer has two decimal points in a row.", position=i)
            core = re.sub(r"e.*$", "", digits).replace(".", "")
            if len(core) > opts.max_number_digits:
                raise ParseError(
                    f"That number is too long (more than {opts.max_number_digits} digits).",
                    code="too_complex",
                    position=start,
                )
            if i < n and text[i] == ".":
                raise ParseError(
                    f"We could not read the number near position {start + 1}.", position=i
                )
            # mixed number: 1 1/2 (whole, space, proper fraction)
            if (
                opts.mixed_numbers
                and re.fullmatch(r"\d+", digits)
                and prev_type()
                in (
                    None,
                    "LPAR",
                    "LSQB",
                    "LBRACE",
                    "COMMA",
                    "SEMI",
                    "RELOP",
                    "PLUS",
                    "MINUS",
                    "PM",
                    "OR",
                    "AND",
                )
            ):
                mm = re.match(r"[ \t]+(\d+)[ \t]*/[ \t]*(\d+)(?![\d.^!eE(])", text[i:])
                if mm:
                    a, b = mm.group(1), mm.group(2)
                    after = text[i + mm.end() :].lstrip(" \t")
                    if not after.startswith(("^", "(")) and not (
                        after[:1].isalpha() and not after.lower().startswith(("p", "percent"))
                    ):
                        if int(b) == 0 or int(a) >= int(b):
                            raise ParseError(
                                f"We could not read '{digits} {a}/{b}' as a mixed number: "
                                "the fraction part must be less than 1.",
                                code="syntax_error",
                                position=start,
                            )
                        toks.append(_tok("MIXED", f"{digits} {a}/{b}", start))
                        notes.append(
                            f"we read {digits} {a}/{b} as the mixed number {digits} + {a}/{b}"
                        )
                        i += mm.end()
                        continue
            if prev_type() in ("NUMBER", "MIXED") or (prev_type() == "RPAR" and False):
                raise ParseError(
                    "Two numbers are next to each other; put an operator (+, -, *, /) between them.",
                    position=start,
                )
            toks.append(_tok("NUMBER", digits, start))
            continue
        # ---------------------------------------------------------------- words
        if ch.isalpha() or ch == "ℝ":
            start = i
            m = _WORD_RE.match(text, i)
            assert m is not None  # a letter starts a word
            word = m.group(0)
            i = m.end()
            # subscript: x_1, a_{n}, V_0
            sub = ""
            sm = _SUB_RE.match(text, i)
            if sm:
                sub = "_" + sm.group(1)
                i = sm.end()
            # digits glued to a name (x2): only a name when the problem declares it
            dm = re.match(r"\d+", text[i:])
            if (
                dm
                and not sub
                and (
                    (word + dm.group(0)) in variables or (len(word) == 1 and word not in constants)
                )
            ):
                word += dm.group(0)
                i += dm.end()
            full = word + sub
            if full == "ℝ":
                toks.append(_tok("SPECIAL", "allreal", start))
                continue
            if sub:
                if full in variables or word in variables or len(word) == 1 or word in GREEK:
                    toks.append(_tok("NAME", full, start))
                    continue
                if word in ("log", "ln") and sm:
                    toks.append(_tok("LOGBASE", sm.group(1), start))
                    continue
                raise ParseError(
                    f"We do not know the name '{full}'.", code="unknown_word", position=start
                )
            pieces = _emit_word(word, start, known, functions, constants, variables, notes)
            if pieces and pieces[0].type in ("AND", "OR") and prev_type() == "COMMA":
                continue  # "1, 2, and 3": the comma already separates
            toks.extend(pieces)
            continue
        # ---------------------------------------------------------------- symbols
        start = i
        two = text[i : i + 2]
        if two in ("<=", ">=", "!=", "=<", "=>", "<>", "=="):
            norm = {"=<": "<=", "=>": ">=", "<>": "!=", "==": "="}.get(two, two)
            toks.append(_tok("RELOP", norm, start))
            i += 2
            continue
        if two == "+-" or two == "-+":
            toks.append(_tok("PM", "+-", start))
            i += 2
            continue
        if two == "**":
            toks.append(_tok("CARET", "^", start))
            i += 2
            continue
        i += 1
        if ch in "<>=":
            toks.append(_tok("RELOP", ch, start))
        elif ch in _SINGLE_CHAR_TOKENS:
            toks.append(_tok(_SINGLE_CHAR_TOKENS[ch], ch, start))
        elif ch in "([{":
            depth += 1
            _check_depth(depth, opts.max_depth, start)
            toks.append(_tok({"(": "LPAR", "[": "LSQB", "{": "LBRACE"}[ch], ch, start))
        elif ch in ")]}":
            depth -= 1
            toks.append(_tok({")": "RPAR", "]": "RSQB", "}": "RBRACE"}[ch], ch, start))
        elif ch == "|":
            if open_bars > 0 and prev_type() in _OPERAND_END:
                open_bars -= 1
                depth -= 1
                toks.append(_tok("RBAR", ch, start))
            else:
                open_bars += 1
                depth += 1
                _check_depth(depth, opts.max_depth, start)
                toks.append(_tok("LBAR", ch, start))
        elif ch == "'":
            raise ParseError("We could not read the quote mark (').", position=start)
        elif ch == "_":
            raise ParseError("We could not read the underscore (_) here.", position=start)
        elif ch == ".":
            raise ParseError(f"We could not read the '.' at position {start + 1}.", position=start)
        else:  # pragma: no cover - filtered by _ALLOWED_CHARS
            raise ParseError(f"We could not read the character '{ch}'.", position=start)
        if len(toks) > opts.max_tokens:
            raise ParseError("Your answer is too long.", code="too_long", position=start)
    if len(toks) > opts.max_tokens:
        raise ParseError("Your answer is too long.", code="too_long")
    return Lexed(toks, notes, text)


def _emit_word(
    word: str,
    start: int,
    known: set[str],
    functions: set[str],
    constants: dict[str, str],
    variables: set[str],
    notes: list[str],
) -> list[Token]:
    low = word.lower()
    if word in variables:
        return [_tok("NAME", word, start)]
    if word in functions:
        return [_tok("FUNC", word, start)]
    if low in functions and word not in variables and len(word) > 1:
        notes.append(f"we read {word} as {low}")
        return [_tok("FUNC", low, start)]
    if word in constants:
        return [_tok("CONST", constants[word], start)]
    if low in ("pi", "inf", "infinity") and low in constants:
        return [_tok("CONST", constants[low], start)]
    if word in GREEK:
        return [_tok("NAME", word, start)]
    if low in PERCENT_WORDS:
        return [_tok("PERCENT", "%", start)]
    if low in WORD_OPS:
        return [_tok(WORD_OPS[low], low, start)]
    if word == "U":
        return [_tok("UNION", "U", start)]
    if low == "in":
        return [_tok("RELOP", "in", start)]
    if len(word) == 1:
        return [_tok("NAME", word, start)]
    pieces = _split_word(word, known - PERCENT_WORDS - set(WORD_OPS) - {"U", "in"}, variables)
    if pieces is None:
        raise ParseError(
            f"We do not know the word '{word}'. Check the spelling, or put * between letters "
            "that are multiplied.",
            code="unknown_word",
            position=start,
        )
    out: list[Token] = []
    pos = start
    for p in pieces:
        out.extend(_emit_word(p, pos, known, functions, constants, variables, []))
        pos += len(p)
    notes.append(f"we read {word} as {' '.join(pieces)} (missing * inserted)")
    return out
