"""Problem templates: variables with ranges or choices, constraints, answers computed with SymPy.

A template is instantiated into concrete problems reproducibly from its seed:

    variables:   {a: {range: [2, 9]}, x: {range: [-9, 9], exclude: [0]}}
    computed:    {c: "a*x + b"}
    constraints: ["c != 0"]
    statement:   "Solve $@{a}x @{b|signed} = @{c}$."
    answer:      {kind: number, key: ["@{x}"]}

Expressions (computed values and constraints) are parsed with Python's `ast` and evaluated
over a small whitelist into SymPy objects: package text is never `eval`ed.
"""

from __future__ import annotations

import ast
import json
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import sympy as sp

PLACEHOLDER = re.compile(r"@\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([a-z_]+)\s*)?\}")
MAX_TRIES_PER_INSTANCE = 200
MAX_INSTANCES = 2000
MAX_RANGE_SPAN = 1_000_000
MAX_TOTAL_TRIES = 50_000
MAX_SECONDS = 20.0  # per template: an uploaded package must not hold the validator for long
_MAX_POWER = 64


class TemplateError(ValueError):
    """A template that cannot be instantiated; the message says where and why."""


def _gcd(*args: Any) -> sp.Expr:
    return sp.gcd(list(args)) if len(args) > 1 else sp.Abs(args[0])


def _lcm(*args: Any) -> sp.Expr:
    return sp.lcm(list(args)) if len(args) > 1 else sp.Abs(args[0])


_FUNCTIONS: dict[str, Any] = {
    "abs": sp.Abs,
    "sqrt": sp.sqrt,
    "gcd": _gcd,
    "lcm": _lcm,
    "min": sp.Min,
    "max": sp.Max,
    "Rational": sp.Rational,
    "frac": sp.Rational,
    "expand": sp.expand,
    "factor": sp.factor,
    "simplify": sp.simplify,
    "floor": sp.floor,
    "ceiling": sp.ceiling,
    "is_square": lambda n: sp.sqrt(n).is_integer,
    "is_integer": lambda n: bool(sp.nsimplify(n).is_integer),
    "numer": lambda q: sp.fraction(sp.nsimplify(q))[0],
    "denom": lambda q: sp.fraction(sp.nsimplify(q))[1],
}
_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: sp.Rational(a, b) if _both_int(a, b) else a / b,
    ast.FloorDiv: lambda a, b: sp.floor(a / b),
    ast.Mod: lambda a, b: sp.Mod(a, b),
    ast.Pow: lambda a, b: _power(a, b),
}
_COMPARE = {
    ast.Eq: lambda a, b: sp.simplify(a - b) == 0,
    ast.NotEq: lambda a, b: sp.simplify(a - b) != 0,
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
}


def _both_int(a: Any, b: Any) -> bool:
    return all(isinstance(v, (int, sp.Integer)) for v in (a, b))


def _power(a: Any, b: Any) -> Any:
    # Huge exponents would hang the validator: package text is untrusted.
    if getattr(b, "is_number", isinstance(b, (int, float))) and abs(float(b)) > _MAX_POWER:
        raise TemplateError(f"exponent {b} is too large (at most {_MAX_POWER})")
    return a**b


def compile_expression(text: str) -> ast.Expression:
    """Parse an expression and check that it only uses what `evaluate` allows."""
    try:
        tree = ast.parse(str(text).replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise TemplateError(f"cannot read expression {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                raise TemplateError(
                    f"in {text!r}: only these functions may be called: {', '.join(sorted(_FUNCTIONS))}"
                )
            if node.keywords:
                raise TemplateError(f"in {text!r}: keyword arguments are not allowed")
        elif not isinstance(
            node,
            (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.BoolOp,
                ast.Compare,
                ast.Name,
                ast.Constant,
                ast.Load,
                ast.operator,
                ast.unaryop,
                ast.boolop,
                ast.cmpop,
                ast.IfExp,
                ast.Tuple,
            ),
        ):
            raise TemplateError(f"in {text!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str)):
            raise TemplateError(f"in {text!r}: constant {node.value!r} is not allowed")
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS:
            raise TemplateError(f"in {text!r}: operator {type(node.op).__name__} is not allowed")
    return tree


def evaluate(tree: ast.Expression | str, env: dict[str, Any]) -> Any:
    """Evaluate a compiled expression over `env`; unknown names are SymPy symbols."""
    if isinstance(tree, str):
        tree = compile_expression(tree)
    return _eval(tree.body, env)


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in ("True", "False"):
            return node.id == "True"
        return sp.Symbol(node.id)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return value
        if isinstance(node.op, ast.Not):
            return not value
        raise TemplateError(f"unary {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, env) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, env)
            if type(op) not in _COMPARE:
                raise TemplateError(f"comparison {type(op).__name__} is not allowed")
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, env) else node.orelse, env)
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e, env) for e in node.elts)
    if isinstance(node, ast.Call):
        args = [_eval(a, env) for a in node.args]
        return _FUNCTIONS[node.func.id](*args)  # type: ignore[union-attr]
    raise TemplateError(f"{type(node).__name__} is not allowed")


# ------------------------------------------------------------------ formatting of values


def _text(value: Any) -> str:
    """How a value reads in an answer key (our checker's plain syntax)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, sp.Basic):
        return str(value).replace("**", "^")
    return str(value)


def _latex(value: Any) -> str:
    return sp.latex(value) if isinstance(value, sp.Basic) else str(value)


def format_value(value: Any, fmt: str | None) -> str:
    """`@{v}` plain; `|latex`; `|signed` (+ 3 / - 3); `|coef` ('' for 1, '-' for -1);
    `|scoef` (+ / - / + 3 before a variable); `|paren` (wrap negatives); `|abs`."""
    if fmt in (None, "", "text"):
        return (
            _latex(value) if isinstance(value, sp.Basic) and not value.is_Integer else _text(value)
        )
    if fmt == "latex":
        return _latex(value)
    if fmt == "plain":
        return _text(value)
    if fmt == "signed":
        negative = bool(isinstance(value, sp.Basic) and value.is_number and value < 0)
        return f"- {_latex(-value)}" if negative else f"+ {_latex(value)}"
    if fmt == "coef":
        if value == 1:
            return ""
        if value == -1:
            return "-"
        return _latex(value)
    if fmt == "scoef":  # a signed coefficient: "+ ", "- ", "+ 3", "- 3" (before a variable)
        if value == 1:
            return "+ "
        if value == -1:
            return "- "
        return format_value(value, "signed")
    if fmt == "paren":
        negative = bool(isinstance(value, sp.Basic) and value.is_number and value < 0)
        return f"({_latex(value)})" if negative else _latex(value)
    if fmt == "abs":
        return _latex(sp.Abs(value))
    raise TemplateError(
        f"unknown format |{fmt} (use latex, plain, signed, coef, scoef, paren or abs)"
    )


def substitute(text: str, env: dict[str, Any], *, plain: bool = False) -> str:
    """Replace every `@{name}` / `@{name|format}`; `plain` is for answer keys."""

    def repl(match: re.Match[str]) -> str:
        name, fmt = match.group(1), match.group(2)
        if name not in env:
            raise TemplateError(f"@{{{name}}} is not a variable of this template")
        return format_value(env[name], fmt or ("plain" if plain else None))

    return PLACEHOLDER.sub(repl, text)


# ------------------------------------------------------------------ instantiation


@dataclass(frozen=True)
class Instance:
    slug: str
    params: dict[str, str]
    problem: dict[str, Any]


def _draw(spec: dict[str, Any], rng: random.Random) -> Any:
    if "choices" in spec:
        choice = rng.choice(spec["choices"])
        if isinstance(choice, str):
            try:
                return evaluate(choice, {})
            except TemplateError:
                return choice
        return sp.nsimplify(choice) if isinstance(choice, float) else sp.Integer(choice)
    low, high = int(spec["range"][0]), int(spec["range"][1])
    step = int(spec.get("step", 1))
    if high < low:
        raise TemplateError(f"range {spec['range']} is empty")
    if (high - low) // step > MAX_RANGE_SPAN:
        raise TemplateError(
            f"range {spec['range']} is too wide (at most {MAX_RANGE_SPAN:,} values)"
        )
    excluded = set(spec.get("exclude", []))
    # Drawn without listing the range (it may be wide); exclusions by rejection.
    for _ in range(1000):
        value = rng.randrange(low, high + 1, step)
        if value not in excluded:
            return sp.Integer(value)
    raise TemplateError(f"range {spec['range']} with exclude {sorted(excluded)} is (nearly) empty")


def _fill(value: Any, env: dict[str, Any], plain: bool = False) -> Any:
    """Substitute placeholders through a nested structure of dicts, lists and strings."""
    if isinstance(value, str):
        return substitute(value, env, plain=plain)
    if isinstance(value, list):
        return [_fill(v, env, plain) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, env, plain) for k, v in value.items()}
    return value


def instantiate(template: dict[str, Any]) -> list[Instance]:
    """All instances of a template: `count` distinct problems drawn from `seed`.

    Raises TemplateError when an expression is bad or the constraints leave too few
    distinct problems.
    """
    slug = template["slug"]
    count = int(template.get("count", 10))
    if count > MAX_INSTANCES:
        raise TemplateError(f"count {count} is above the limit of {MAX_INSTANCES}")
    seed = template.get("seed", 0)
    variables: dict[str, dict] = template.get("variables", {})
    computed = {k: compile_expression(v) for k, v in template.get("computed", {}).items()}
    constraints = [(c, compile_expression(c)) for c in template.get("constraints", [])]
    # Seeded by the template's own slug and seed: the same package gives the same problems.
    rng = random.Random(f"{slug}:{seed}")
    started = time.monotonic()
    seen: set[str] = set()
    instances: list[Instance] = []
    tries = 0
    failures: dict[str, int] = {}
    while len(instances) < count:
        tries += 1
        if time.monotonic() - started > MAX_SECONDS:
            raise TemplateError(
                f"drawing took over {MAX_SECONDS:.0f} s ({len(instances)} of {count} problems)"
            )
        if tries > min(count * MAX_TRIES_PER_INSTANCE, MAX_TOTAL_TRIES):
            worst = max(failures, key=failures.get) if failures else "duplicates"
            raise TemplateError(
                f"only {len(instances)} distinct problems of the {count} asked for could be "
                f"drawn (most rejections: {worst})"
            )
        env: dict[str, Any] = {name: _draw(spec, rng) for name, spec in variables.items()}
        try:
            for name, tree in computed.items():
                env[name] = evaluate(tree, env)
            ok = True
            for text, tree in constraints:
                if not evaluate(tree, env):
                    failures[text] = failures.get(text, 0) + 1
                    ok = False
                    break
        except ZeroDivisionError:
            failures["division by zero"] = failures.get("division by zero", 0) + 1
            continue
        except (TypeError, AttributeError) as exc:
            raise TemplateError(f"cannot evaluate: {exc}") from None
        if not ok:
            continue
        if any(v is sp.zoo or v is sp.nan or v is sp.oo for v in env.values()):
            failures["division by zero"] = failures.get("division by zero", 0) + 1
            continue
        params = {k: _text(v) for k, v in env.items()}
        fingerprint = json.dumps({k: params[k] for k in variables}, sort_keys=True)
        if fingerprint in seen:
            failures["duplicates"] = failures.get("duplicates", 0) + 1
            continue
        seen.add(fingerprint)
        problem = {
            "slug": f"{slug}-{len(instances) + 1:03d}",
            "statement": _fill(template["statement"], env),
            "answer": {
                **template["answer"],
                "key": _fill(template["answer"].get("key", []), env, plain=True),
                **(
                    {"options": _fill(template["answer"]["options"], env)}
                    if "options" in template["answer"]
                    else {}
                ),
            },
            "hints": _fill(template.get("hints", []), env),
            "difficulty": template.get("difficulty", 0.0),
        }
        for optional in ("title", "solution"):
            if template.get(optional):
                problem[optional] = _fill(template[optional], env)
        instances.append(Instance(problem["slug"], params, problem))
    return instances
