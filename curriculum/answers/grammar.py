"""The grammar of typed answers (lark, LALR) and the transformer to :class:`Node` trees.

Precedence, loosest first: ``,``/``;`` (a bare list), ``or``, ``and``, relations
(``= < <= > >= != in``, chains allowed), ``U`` (union), ``+ - ±``, ``* / :`` and implied
multiplication (same level, left to right: ``1/2x`` is ``(1/2)*x``), unary ``- + ±``,
``^`` (right associative, ``2^-3`` allowed), postfix ``!`` and ``%``.
A function name followed by brackets takes the bracket as its argument (``sin(x)^2`` is
``(sin x)^2``); without brackets it takes the implied product that follows
(``sin 2x`` is ``sin(2x)``, ``sin x^2`` is ``sin(x^2)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.lexer import Lexer

from .errors import ParseError
from .nodes import Node, to_text

GRAMMAR = r"""
%declare NUMBER NAME FUNC CONST LOGBASE MIXED SPECIAL PLUS MINUS STAR SLASH CARET BANG PERCENT PM RELOP COMMA SEMI LPAR RPAR LSQB RSQB LBRACE RBRACE LBAR RBAR OR AND UNION COLON

start: top

?top: group
    | group (SEMI group)+         -> seq

?group: disj
      | disj (COMMA disj)+        -> seq

?disj: conj
     | conj (OR conj)+            -> or_

?conj: rel
     | rel (AND rel)+             -> and_

?rel: union
    | union (RELOP union)+        -> rel

?union: sum
      | sum (UNION sum)+          -> union

?sum: term
    | sum PLUS term               -> add
    | sum MINUS term              -> sub
    | sum PM term                 -> pm

?term: signed
     | term STAR signed           -> mul
     | term SLASH signed          -> div
     | term COLON signed          -> div
     | term power                 -> imul

?signed: power
       | MINUS signed             -> neg
       | PLUS signed              -> pos
       | PM signed                -> upm

?power: postfix
      | postfix CARET signed      -> pow

?postfix: atom
        | postfix BANG            -> fact
        | postfix PERCENT         -> pct

?atom: atom_np
     | LPAR top RPAR              -> paren
     | LPAR top RSQB              -> lopen

?power_np: postfix_np
         | postfix_np CARET signed -> pow

?postfix_np: atom_np
           | postfix_np BANG      -> fact
           | postfix_np PERCENT   -> pct

?atom_np: NUMBER                  -> num
        | NAME                    -> sym
        | CONST                   -> const
        | MIXED                   -> mixed
        | SPECIAL                 -> special
        | LSQB top RSQB           -> bracket
        | LSQB top RPAR           -> ropen
        | LBRACE top RBRACE       -> braces
        | LBRACE RBRACE           -> empty_set
        | LBAR top RBAR           -> abs_
        | call

?np_product: power_np
           | np_product power_nf   -> imul

?power_nf: postfix_nf
         | postfix_nf CARET signed -> pow

?postfix_nf: atom_nf
           | postfix_nf BANG      -> fact

?atom_nf: NUMBER                  -> num
        | NAME                    -> sym
        | CONST                   -> const

call: FUNC LPAR top RPAR                       -> call_paren
    | FUNC CARET signed LPAR top RPAR          -> call_pow_paren
    | FUNC np_product                          -> call_bare
    | FUNC CARET signed np_product             -> call_pow_bare
    | LOGBASE LPAR top RPAR                    -> log_paren
    | LOGBASE np_product                       -> log_bare
"""


class _TokenLexer(Lexer):
    """Feeds lark the tokens our tokenizer already produced."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any, *args: Any) -> Iterator[Token]:
        yield from data


_PARSER = Lark(GRAMMAR, parser="lalr", lexer=_TokenLexer, start="start", maybe_placeholders=False)

_TOKEN_WORDS = {
    "NUMBER": "a number",
    "NAME": "a letter",
    "FUNC": "a function",
    "CONST": "a constant",
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "CARET": "^",
    "BANG": "!",
    "PERCENT": "%",
    "PM": "±",
    "RELOP": "a comparison",
    "COMMA": ",",
    "SEMI": ";",
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "LBRACE": "{",
    "RBRACE": "}",
    "LBAR": "|",
    "RBAR": "|",
    "OR": "or",
    "AND": "and",
    "UNION": "U",
    "COLON": ":",
    "$END": "the end",
}


def _leftmost(n: Node) -> Node:
    while not n.paren and n.op in ("add", "sub", "pm", "mul", "imul", "div", "pow", "pct", "fact"):
        n = n.args[0]
    return n


class _Build(Transformer[Token, Node]):
    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self.notes = notes

    # leaves
    def num(self, c: list[Any]) -> Node:
        return Node("num", (), c[0].value)

    def sym(self, c: list[Any]) -> Node:
        return Node("sym", (), c[0].value)

    def const(self, c: list[Any]) -> Node:
        return Node("const", (), c[0].value)

    def special(self, c: list[Any]) -> Node:
        return Node("special", (), c[0].value)

    def mixed(self, c: list[Any]) -> Node:
        whole, frac = c[0].value.split(" ")
        a, b = frac.split("/")
        return Node("mixed", (), (whole, a, b))

    def start(self, c: list[Any]) -> Node:
        node: Node = c[0]
        return node

    # collections
    def seq(self, c: list[Any]) -> Node:
        return Node("seq", tuple(x for x in c if isinstance(x, Node)))

    def or_(self, c: list[Any]) -> Node:
        return Node("or", tuple(x for x in c if isinstance(x, Node)))

    def and_(self, c: list[Any]) -> Node:
        return Node("and", tuple(x for x in c if isinstance(x, Node)))

    def rel(self, c: list[Any]) -> Node:
        operands = tuple(x for x in c if isinstance(x, Node))
        ops = tuple(x.value for x in c if not isinstance(x, Node))
        return Node("rel", operands, ops)

    def union(self, c: list[Any]) -> Node:
        return Node("union", tuple(x for x in c if isinstance(x, Node)))

    # arithmetic
    def add(self, c: list[Any]) -> Node:
        return Node("add", (c[0], c[2]))

    def sub(self, c: list[Any]) -> Node:
        return Node("sub", (c[0], c[2]))

    def pm(self, c: list[Any]) -> Node:
        return Node("pm", (c[0], c[2]))

    def mul(self, c: list[Any]) -> Node:
        return Node("mul", (c[0], c[2]))

    def div(self, c: list[Any]) -> Node:
        return Node("div", (c[0], c[2]))

    def imul(self, c: list[Any]) -> Node:
        a, b = c
        lm = _leftmost(b)
        if lm.op in ("num", "mixed") and not lm.paren:
            raise _Reject(
                f"A number follows '{a}' without an operator; type * (or ^) between them.",
                b,
            )
        if a.op == "sym" and (b.op == "tuple" or b.paren):
            self.notes.append(f"we read {a}({_inner_text(b)}) as {a}*({_inner_text(b)}), a product")
        return Node("imul", (a, b))

    def neg(self, c: list[Any]) -> Node:
        return Node("neg", (c[1],))

    def pos(self, c: list[Any]) -> Node:
        return Node("pos", (c[1],))

    def upm(self, c: list[Any]) -> Node:
        return Node("upm", (c[1],))

    def pow(self, c: list[Any]) -> Node:
        return Node("pow", (c[0], c[2]))

    def fact(self, c: list[Any]) -> Node:
        return Node("fact", (c[0],))

    def pct(self, c: list[Any]) -> Node:
        return Node("pct", (c[0],))

    # brackets
    def paren(self, c: list[Any]) -> Node:
        inner = c[1]
        if inner.op == "seq":
            return Node("tuple", inner.args)
        return Node(inner.op, inner.args, inner.value, paren=True)

    def lopen(self, c: list[Any]) -> Node:  # ( a, b ]
        return _interval(c[1], False, True)

    def ropen(self, c: list[Any]) -> Node:  # [ a, b )
        return _interval(c[1], True, False)

    def bracket(self, c: list[Any]) -> Node:
        inner = c[1]
        items = inner.args if inner.op == "seq" else (inner,)
        return Node("list", items)

    def braces(self, c: list[Any]) -> Node:
        inner = c[1]
        items = inner.args if inner.op == "seq" else (inner,)
        return Node("set", items)

    def empty_set(self, c: list[Any]) -> Node:
        return Node("set", ())

    def abs_(self, c: list[Any]) -> Node:
        return Node("abs", (c[1],))

    # calls
    def _call(self, name: str, arg: Node) -> Node:
        args = arg.args if arg.op == "tuple" else (arg,)
        if name == "matrix":
            rows = []
            for r in args:
                if r.op != "list":
                    raise _Reject("matrix(...) takes rows written as [a, b].", arg)
                rows.append(r)
            if not rows or len({len(r.args) for r in rows}) != 1:
                raise _Reject("Every row of a matrix must have the same number of entries.", arg)
            return Node("matrix", tuple(rows))
        if name == "abs":
            if len(args) != 1:
                raise _Reject("abs takes one argument.", arg)
            return Node("abs", args)
        return Node("func", args, name)

    def call_paren(self, c: list[Any]) -> Node:
        inner = c[2]
        arg = Node("tuple", inner.args) if inner.op == "seq" else inner
        return self._call(c[0].value, arg)

    def call_pow_paren(self, c: list[Any]) -> Node:
        return self._pow_call(c[0].value, c[2], c[4])

    def call_bare(self, c: list[Any]) -> Node:
        self.notes.append(f"we read {c[0].value} {c[1]} as {c[0].value}({c[1]})")
        return self._call(c[0].value, c[1])

    def call_pow_bare(self, c: list[Any]) -> Node:
        return self._pow_call(c[0].value, c[2], c[3])

    def _pow_call(self, name: str, exponent: Node, inner: Node) -> Node:
        arg = Node("tuple", inner.args) if inner.op == "seq" else inner
        if exponent.op == "neg" and exponent.args[0] == Node("num", (), "1"):
            inv = {
                "sin": "asin",
                "cos": "acos",
                "tan": "atan",
                "sec": "asec",
                "csc": "acsc",
                "cot": "acot",
                "sinh": "asinh",
                "cosh": "acosh",
                "tanh": "atanh",
            }.get(name)
            if inv:
                self.notes.append(f"we read {name}^-1 as the inverse function {inv}")
                return self._call(inv, arg)
        return Node("pow", (self._call(name, arg), exponent))

    def log_paren(self, c: list[Any]) -> Node:
        inner = c[2]
        return Node("func", (inner, _base(c[0].value)), "log")

    def log_bare(self, c: list[Any]) -> Node:
        return Node("func", (c[1], _base(c[0].value)), "log")


def _base(s: str) -> Node:
    return Node("num", (), s) if s.isdigit() else Node("sym", (), s)


class _Reject(Exception):
    def __init__(self, msg: str, node: Node) -> None:
        super().__init__(msg)
        self.msg = msg
        self.node = node


def _inner_text(n: Node) -> str:
    if n.op == "tuple":
        return ", ".join(to_text(a) for a in n.args)
    return to_text(n)


def _interval(inner: Node, lc: bool, rc: bool) -> Node:
    if inner.op != "seq" or len(inner.args) != 2:
        raise _Reject("An interval needs two endpoints, like (1, 3].", inner)
    return Node("interval", inner.args, (lc, rc))


def parse_tokens(tokens: list[Token], notes: list[str], text: str) -> Node:
    if not tokens:
        raise ParseError("Your answer is empty.", code="empty")
    try:
        tree = _PARSER.parse(tokens)
    except UnexpectedInput as e:
        tok = getattr(e, "token", None)
        pos = getattr(tok, "start_pos", None) if tok is not None else None
        if tok is None or tok.type == "$END":
            pos = len(text)
            msg = "Your answer ends too early"
            opens = sum(1 for t in tokens if t.type in ("LPAR", "LSQB", "LBRACE", "LBAR"))
            closes = sum(1 for t in tokens if t.type in ("RPAR", "RSQB", "RBRACE", "RBAR"))
            if opens > closes:
                msg += ": a bracket is not closed."
            else:
                msg += " (something is missing at the end)."
        else:
            what = _TOKEN_WORDS.get(tok.type, tok.value)
            shown = tok.value if tok.type not in ("NUMBER", "NAME") else tok.value
            assert pos is not None  # our tokens carry their position (lexer._tok)
            msg = f"We could not read your answer at position {pos + 1}: unexpected {what}"
            if shown and shown != what:
                msg += f" '{shown}'"
            msg += "."
            if tok.type in ("RPAR", "RSQB", "RBRACE", "RBAR"):
                msg += " Check that the brackets match."
        raise ParseError(msg, code="syntax_error", position=pos) from None
    try:
        return _Build(notes).transform(tree)
    except Exception as e:  # lark wraps transformer errors in VisitError
        inner = getattr(e, "orig_exc", e)
        if isinstance(inner, _Reject):
            raise ParseError(inner.msg, code="syntax_error") from None
        if isinstance(inner, ParseError):
            raise inner from None
        if isinstance(inner, RecursionError):
            raise ParseError("Your answer is nested too deeply.", code="too_complex") from None
        raise
