"""Checking a worked solution line by line (docs/tutor-model.md).

:class:`LineChecker` follows the lines of one solution while the model writes them: every CALC
must be exact, every STATE must follow from the previous one (same solution set for equations
and inequalities, equal value for expressions, true at the solution for systems) and the answer
line must agree with the problem's exact solution, in the wanted form.
:func:`check_solution` runs it over a whole text and sums up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from curriculum.answers.forms import is_expanded, is_factored, is_lowest_terms, is_simplified
from curriculum.answers.nodes import Node

from .calc import calc_value
from .phrases import known_phrase
from .problems import ProblemState, expr_of, is_plain, parse_math, relation_of, solution_set
from .render import latex_result

__all__ = [
    "BACKTRACK_NOTE",
    "LineChecker",
    "LineParts",
    "SolutionReport",
    "StepVerdict",
    "answer_latex",
    "check_solution",
    "split_line",
]

_DOLLAR = re.compile(r"(?<!\\)\$")
_END = "<|end|>"
_EXPRESSION_TASKS = ("compute", "lowest_terms", "simplify", "expand", "factor")
# What the engine writes when it goes back on a step that led nowhere (a line of its own; the
# lines after it go on from the line before that step).
BACKTRACK_NOTE = "*That step does not lead to the answer: back to the line before it.*"


# ---------------------------------------------------------------- reading a line
@dataclass
class LineParts:
    """The pieces of one solution line (LaTeX without the ``$``)."""

    kind: str  # "step" | "answer" | "text"
    phrase: str = ""
    calcs: list[str] = field(default_factory=list)
    state: str = ""  # STATE of a step, ANSWER (inside \boxed) of the answer line
    error: str = ""  # why a non-empty line could not be read


def _boxed(s: str) -> str | None:
    i = s.find("\\boxed{")
    if i < 0:
        return None
    depth, j = 0, i + len("\\boxed")
    for k in range(j, len(s)):
        if s[k] == "{" and s[k - 1] != "\\":
            depth += 1
        elif s[k] == "}" and s[k - 1] != "\\":
            depth -= 1
            if depth == 0:
                return s[j + 1 : k].strip()
    return None


def split_line(line: str) -> LineParts:
    """Split ``PHRASE (CALC, ...): $STATE$.`` or ``Answer: $\\boxed{...}$`` into its parts."""
    s = line.strip()
    if s.endswith(_END):
        s = s[: -len(_END)].rstrip()
    if not s:
        return LineParts("text")
    if s.startswith("Answer:"):
        rest = s[len("Answer:") :].strip().rstrip(".").strip()
        boxed = _boxed(rest)
        if boxed is None and rest.startswith("$") and rest.endswith("$") and len(rest) > 1:
            boxed = rest.strip("$").strip()
        if not boxed:
            return LineParts("answer", error="cannot read the answer: expected $\\boxed{...}$")
        return LineParts("answer", state=boxed)
    parts = _DOLLAR.split(s)
    bad = LineParts("text", error="cannot read this line: a step is PHRASE (CALC, ...): $STATE$.")
    if len(parts) < 3 or len(parts) % 2 == 0 or parts[-1].strip() not in ("", "."):
        return bad
    k = len(parts) - 2  # the STATE
    before = parts[k - 1].rstrip()
    if not before.endswith(":"):
        return bad
    calcs: list[str] = []
    if before.strip() == "):":  # CALCs: `PHRASE ($A$, $B$): $STATE$.`
        j = k - 2
        while True:
            if j < 1:
                return bad
            calcs.append(parts[j].strip())
            t = parts[j - 1]
            if t.strip() == ",":
                j -= 2
                continue
            if t.rstrip().endswith("("):
                phrase = "$".join(parts[: j - 1] + [t.rstrip()[:-1]]).strip()
                break
            return bad
        calcs.reverse()
    else:
        phrase = "$".join(parts[: k - 1] + [before[:-1]]).strip()
    return LineParts("step", phrase=phrase, calcs=calcs, state=parts[k].strip())


_PHRASE_START = re.compile(r"[A-Z][a-z]")


def _bare(latex: str) -> str:
    return re.sub(r"\s+", "", latex)


# ---------------------------------------------------------------- states
@dataclass(frozen=True)
class _State:
    kind: str  # "expr" | "rel" | "and" | "or"
    value: Any  # an Expr, a Rel, or a list of Rel

    @property
    def rels(self) -> list[Any]:
        return self.value if self.kind in ("and", "or") else [self.value]


def _read_state(node: Node) -> _State | None:
    if not is_plain(node):
        return None
    if node.op == "rel":
        r = relation_of(node)
        return None if r is None else _State("rel", r)
    if node.op in ("and", "or", "seq"):
        rels = [relation_of(a) if a.op == "rel" else None for a in node.args]
        if any(r is None for r in rels):
            return None
        return _State("or" if node.op == "or" else "and", rels)
    v = expr_of(node)
    return None if v is None else _State("expr", v)


def _same_value(a: sp.Expr, b: sp.Expr) -> bool:
    d = a - b
    if d == 0:
        return True
    d = sp.expand(d)
    return bool(d == 0 or sp.cancel(d) == 0)


def _set_of(state: _State, var: sp.Symbol) -> sp.Set | None:
    out = sp.S.EmptySet
    for r in state.rels:
        s = solution_set(r, var)
        if s is None:
            return None
        out = out.union(s)  # "x + 2 = 0 or x - 5 = 0": the union of the sets
    return out


def _holds(rel: sp.Rel, solution: dict[Any, Any]) -> bool:
    return bool(sp.expand((rel.lhs - rel.rhs).subs(solution)) == 0)


def _flip(rel: sp.Rel) -> sp.Rel:
    flipped = {sp.Lt: sp.Gt, sp.Gt: sp.Lt, sp.Le: sp.Ge, sp.Ge: sp.Le}
    return flipped[type(rel)](rel.lhs, rel.rhs, evaluate=False)


# ---------------------------------------------------------------- answers
def _number_latex(v: sp.Expr, decimals: bool) -> str:
    try:
        return latex_result(v, decimals=decimals)
    except Exception:  # noqa: BLE001 - a value the canonical form cannot write falls back to SymPy's
        s: str = sp.latex(v)
        return s


def _factored_latex(v: sp.Expr, var: sp.Symbol, decimals: bool) -> str:
    c, factors = sp.factor_list(v, var)
    body = ""
    for f, m in factors:
        t = _number_latex(f, decimals)
        if len(factors) > 1 or c != 1 or m > 1:
            t = f"({t})" if f.is_Add else t
        body += t + (f"^{m}" if m > 1 else "")
    if c == 1 and body:
        return body
    if c == -1 and body:
        return "-" + body
    return _number_latex(c, decimals) + body


def answer_latex(problem: ProblemState) -> str:
    """The expected answer as the answer key accepts it: ``x = -1``, ``\\{-2, 5\\}``, ``(1, 5)``."""
    dec = problem.decimals
    t = problem.task
    if t in ("compute", "lowest_terms"):
        return _number_latex(problem.start, dec)
    if t in ("simplify", "expand"):
        return _number_latex(sp.expand(problem.start), dec)
    if t == "factor":
        return _factored_latex(problem.start, problem.var, dec)
    if t == "solve_system":
        pair = ", ".join(_number_latex(problem.solution[v], dec) for v in problem.variables)
        return f"({pair})"
    assert problem.var is not None  # what is left is "solve", with one unknown
    sol, name = problem.solution, problem.var.name
    if sol == sp.S.EmptySet:
        return "\\text{no solution}"
    if sol == sp.S.Reals:
        return "\\text{all real numbers}"
    if isinstance(sol, sp.FiniteSet):
        vals = [_number_latex(v, dec) for v in sorted(sol, key=float)]
        quadratic = sp.Poly(problem.start.lhs - problem.start.rhs, problem.var).degree() == 2
        if len(vals) == 1 and not quadratic:
            return f"{name} = {vals[0]}"
        return "\\{" + ", ".join(vals) + "\\}"
    if isinstance(sol, sp.Interval):
        if sol.start == -sp.oo:
            op = "<" if sol.right_open else "\\le"
            return f"{name} {op} {_number_latex(sol.end, dec)}"
        if sol.end == sp.oo:
            op = ">" if sol.left_open else "\\ge"
            return f"{name} {op} {_number_latex(sol.start, dec)}"
    text: str = sp.latex(sol)
    return text


def _literal_number(n: Node) -> bool:
    """A number as written: 5, -3, 0.75, \\frac{7}{12}, -\\frac{7}{12} (nothing left to do)."""
    while n.op in ("neg", "pos"):
        n = n.args[0]
    if n.op == "div":
        return all(a.op == "num" for a in n.args) and n.args[1].value not in ("0", "1")
    return n.op == "num"


def _written(n: Node) -> sp.Expr:
    """SymPy value built factor by factor, as written (2(x + 1) stays a product)."""
    if n.op in ("mul", "imul"):
        return sp.Mul(_written(n.args[0]), _written(n.args[1]), evaluate=False)
    if n.op == "neg":
        return sp.Mul(sp.Integer(-1), _written(n.args[0]), evaluate=False)
    if n.op == "pos":
        return _written(n.args[0])
    if n.op == "pow" and n.args[1].op == "num" and n.args[1].value.isdigit():
        return sp.Pow(_written(n.args[0]), int(n.args[1].value), evaluate=False)
    v = expr_of(n)
    if v is None:
        raise ValueError("not an expression")
    return v


def _isolated(rel: sp.Rel, node: Node, var: sp.Symbol) -> bool:
    """``x = 3`` / ``x > -4`` / ``3 = x``: the variable alone against a written number."""
    for side, other in ((0, 1), (1, 0)):
        if getattr(rel, ("lhs", "rhs")[side]) == var and _literal_number(node.args[other]):
            return True
    return False


class _AnswerError(Exception):
    pass


def _answer_value(problem: ProblemState, node: Node) -> Any:
    """The value of an answer in the problem's terms (a Set, a dict, an Expr); raises
    :class:`_AnswerError` with a reason for answers not in an answer form."""
    t = problem.task
    if t in _EXPRESSION_TASKS:
        v = expr_of(node) if is_plain(node) else None
        if v is None:
            raise _AnswerError("the answer should be a single expression")
        return v
    if t == "solve_system":
        vs = problem.variables
        if node.op == "tuple" and len(node.args) == len(vs):
            if not all(_literal_number(a) for a in node.args):
                raise _AnswerError("the answer should be a pair of numbers")
            return dict(zip(vs, (expr_of(a) for a in node.args), strict=True))
        if node.op in ("and", "seq") and all(a.op == "rel" for a in node.args):
            out = {}
            for a in node.args:
                r = relation_of(a)
                if (
                    not isinstance(r, sp.Eq)
                    or not r.lhs.is_Symbol
                    or not _literal_number(a.args[1])
                ):
                    raise _AnswerError("the answer should give each unknown's value")
                out[r.lhs] = r.rhs
            return out
        raise _AnswerError("the answer should be the pair $(x, y)$")
    var = problem.var
    assert var is not None  # what is left is "solve", with one unknown
    if node.op == "special":
        return {"nosol": sp.S.EmptySet, "empty": sp.S.EmptySet, "allreal": sp.S.Reals}[node.value]
    if node.op in ("set", "seq"):
        if not all(_literal_number(a) for a in node.args):
            raise _AnswerError("the answer should list numbers")
        return sp.FiniteSet(*(expr_of(a) for a in node.args))
    if node.op == "or" or node.op == "rel":
        out = sp.S.EmptySet
        for a in node.args if node.op == "or" else [node]:
            r = relation_of(a) if a.op == "rel" else None
            if r is None or not _isolated(r, a, var):
                raise _AnswerError(f"the answer should say what ${var.name}$ is")
            out = out.union(solution_set(r, var))
        return out
    if _literal_number(node) and isinstance(problem.solution, sp.FiniteSet):
        return sp.FiniteSet(expr_of(node))
    raise _AnswerError(f"the answer should say what ${var.name}$ is")


def _answer_form_error(problem: ProblemState, node: Node, value: Any) -> str:
    """'' when an answer with the right value is in the wanted form, else the reason."""
    t = problem.task
    if t in ("compute", "lowest_terms"):
        if not _literal_number(node):
            return "it should be a single number"
        if not is_lowest_terms(node):
            return "it is not in lowest terms"
        return ""
    if t == "simplify" and not is_simplified(node, value):
        return "it is not fully simplified"
    if t == "expand" and not (is_expanded(node) and is_simplified(node, value)):
        return "it is not expanded and simplified"
    if t == "factor":
        try:
            ok = is_factored(_written(node), problem.var)
        except Exception:  # noqa: BLE001 - model text: a form SymPy cannot judge is not factored
            ok = False
        top = node.args[0] if node.op == "neg" else node
        if not ok or (top.op in ("add", "sub") and len(sp.factor_list(value)[1]) > 1):
            return "it is not fully factored"
    return ""


# ---------------------------------------------------------------- the checker
@dataclass
class StepVerdict:
    """The judgement of one line: ``ok``; ``kind`` "step" | "answer" | "text"; ``reason``
    (a short sentence when not ok); ``state``: the parsed STATE (an Expr, a relation, or a
    list of relations for `` \text{ and } `` / `` \text{ or } `` lines) or the answer's value
    (an Expr, a Set, or a dict {symbol: value} for systems)."""

    ok: bool
    kind: str
    reason: str = ""
    state: Any = None
    calcs_ok: bool = True  # every CALC of the line is exact (and readable)


class LineChecker:
    """Follows one solution of ``problem`` line by line (see the module docstring)."""

    def __init__(self, problem: ProblemState, phrasebook: bool = False):
        self.problem = problem
        self.prev_latex = problem.start_latex  # the last valid state, as written
        self.answered = False
        # The built-in tutor's lines must use the phrases it was trained on (steps.phrases);
        # other solutions need only start as a sentence.
        self.phrasebook = phrasebook

    def check_line(self, line: str) -> StepVerdict:
        """Judge the next line of the solution. Never raises on model text."""
        try:
            return self._check(line)
        except Exception as e:  # noqa: BLE001 - pragma: no cover - a SymPy corner case; say so, do not crash
            return StepVerdict(
                False, "text", f"this line could not be checked ({type(e).__name__})"
            )

    def _check(self, line: str) -> StepVerdict:
        parts = split_line(line)
        if parts.kind == "text" and not parts.error:
            return StepVerdict(True, "text")  # a blank line
        if self.answered:
            return StepVerdict(False, "text", "there is text after the answer line")
        if parts.error:
            return StepVerdict(False, parts.kind, parts.error, calcs_ok=parts.kind != "step")
        if parts.kind == "answer":
            self.answered = True
            return self._check_answer(parts.state)
        said = known_phrase(parts.phrase) if self.phrasebook else _PHRASE_START.match(parts.phrase)
        if not said:
            # A step says what it does, as a sentence ("Subtract $3$ from both sides"), and the
            # built-in tutor in one of the phrases it was trained on; a line that starts mid-word,
            # or whose phrase wanders ("Find of ... to both fractions"), is the model rambling,
            # even when its maths is true.
            return StepVerdict(False, "step", "the step does not say what it does")
        if _bare(parts.state) == _bare(self.prev_latex):
            return StepVerdict(False, "step", "the line changes nothing")
        calc_error = ""
        for c in parts.calcs:
            calc_error = _check_calc(c)
            if calc_error:
                break
        node = parse_math(parts.state)
        st = _read_state(node) if node is not None else None
        if st is None:
            reason = calc_error or f"cannot read the state ${parts.state}$"
            return StepVerdict(False, "step", reason, calcs_ok=not calc_error)
        if calc_error:
            return StepVerdict(False, "step", calc_error, st.value, calcs_ok=False)
        reason = self._follows(st, parts.state)
        if reason:
            return StepVerdict(False, "step", reason, st.value)
        self.prev_latex = parts.state
        return StepVerdict(True, "step", "", st.value)

    def _follows(self, st: _State, latex: str) -> str:
        """'' when the state follows from the previous one, else the reason."""
        p = self.problem
        wrong = f"${latex}$ does not follow from ${self.prev_latex}$"
        allowed = set(p.variables)
        if p.task in _EXPRESSION_TASKS:
            if st.kind != "expr":
                return f"${latex}$ should be an expression, not an equation"
            if not st.value.free_symbols <= allowed or not _same_value(st.value, p.start):
                return wrong
            return ""
        if st.kind == "expr":
            return f"${latex}$ should be an equation or an inequality"
        if any(not r.free_symbols <= allowed for r in st.rels):
            return wrong
        if p.task == "solve_system":
            if st.kind == "or" or any(not isinstance(r, sp.Eq) for r in st.rels):
                return f"${latex}$ should be an equation or two equations joined by and"
            if not all(_holds(r, p.solution) for r in st.rels):
                return wrong
            return ""
        if st.kind == "and":
            return f"${latex}$ should be one equation, or solutions joined by or"
        got = _set_of(st, p.var)
        if got == p.solution:
            return ""
        if (
            st.kind == "rel"
            and not isinstance(st.value, sp.Eq)
            and solution_set(_flip(st.value), p.var) == p.solution
        ):
            return wrong + ": the inequality sign points the wrong way"
        return wrong

    def _check_answer(self, text: str) -> StepVerdict:
        p = self.problem
        node = parse_math(text)
        if node is None:
            return StepVerdict(False, "answer", f"cannot read the answer ${text}$")
        try:
            value = _answer_value(p, node)
        except _AnswerError as e:
            return StepVerdict(False, "answer", f"The answer ${text}$ is not an answer: {e}")
        if p.task in _EXPRESSION_TASKS:
            right = _same_value(value, p.start) and value.free_symbols <= set(p.variables)
        else:
            right = value == p.solution
        if not right:
            reason = f"The answer ${text}$ is wrong: it is ${answer_latex(p)}$"
            return StepVerdict(False, "answer", reason, value)
        form = _answer_form_error(p, node, value)
        if form:
            return StepVerdict(False, "answer", f"The answer ${text}$ is right but {form}", value)
        return StepVerdict(True, "answer", "", value)


def _check_calc(text: str) -> str:
    """'' when ``LEFT = RESULT`` is exact, else the reason."""
    node = parse_math(text)
    if node is None or node.op != "rel" or node.value != ("=",):
        return f"cannot read the calculation ${text}$ (expected $LEFT = RESULT$)"
    left = text.split("=")[0].strip()  # exactly one "=": the node is LEFT = RESULT
    got = calc_value(left) if left else None
    result = expr_of(node.args[1]) if is_plain(node.args[1]) else None
    if got is None or result is None:
        return f"cannot read the calculation ${text}$"
    value, decimals = got
    if not _same_value(value, result):
        return f"${text}$ is wrong: it is ${_number_latex(value, decimals)}$"
    return ""


# ---------------------------------------------------------------- whole solutions
@dataclass
class SolutionReport:
    """A whole solution judged: counts, flags and the first failing line (1-based)."""

    steps_total: int = 0
    steps_valid: int = 0
    all_calcs_exact: bool = True
    all_steps_valid: bool = True
    answer_ok: bool = False
    has_answer: bool = False
    first_error_line: int | None = None
    first_error: str = ""
    verdicts: list[StepVerdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.all_steps_valid and self.answer_ok


def check_solution(problem: ProblemState, text: str) -> SolutionReport:
    """Check a whole solution text (the lines after the prompt, ``<|end|>`` allowed)."""
    checker = LineChecker(problem)
    rep = SolutionReport()
    before: list[str] = []  # the state before each accepted step, to go back to at a note
    for i, line in enumerate(text.replace(_END, "\n").splitlines(), start=1):
        if not line.strip():
            continue
        if line.strip() == BACKTRACK_NOTE:
            if before:
                checker.prev_latex = before.pop()  # the way on starts before the last step
            continue
        previous = checker.prev_latex
        v = checker.check_line(line)
        if v.ok and v.kind == "step":
            before.append(previous)
        rep.verdicts.append(v)
        if v.kind == "answer":
            rep.has_answer = True
            rep.answer_ok = v.ok
        else:
            rep.steps_total += 1
            rep.steps_valid += v.ok
            rep.all_steps_valid &= v.ok
            rep.all_calcs_exact &= v.calcs_ok
        if not v.ok and rep.first_error_line is None:
            rep.first_error_line, rep.first_error = i, v.reason
    if not rep.has_answer and rep.first_error_line is None:
        rep.first_error = "the solution has no answer line"
    return rep
