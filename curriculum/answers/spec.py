"""Answer specs: what kind of answer a problem wants and how to judge it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "expression",
    "equation",
    "inequality",
    "set",
    "list",
    "number",
    "multiple_choice",
    "string",
)
FORMS = (
    "simplified",
    "expanded",
    "factored",
    "lowest_terms",
    "single_fraction",
    "completed_square",
    "as_key",  # equal to a key up to commutativity/associativity (STACK EqualComAss)
    "identical",  # the same tree as a key (STACK CasEqual)
    "partial_fractions",
)

# What the problem asks the student to do (options.task): see tasks.py.
TASKS = ("solve", "compute", "simplify", "factor", "expand", "lowest_terms")
# The form each task asks of an expression answer.
TASK_FORMS = {
    "compute": "simplified",
    "simplify": "simplified",
    "factor": "factored",
    "expand": "expanded",
    "lowest_terms": "lowest_terms",
}

# option name -> (validator, description)
_OPTION_DOC = {
    "tolerance": "number (relative) or {'rel': r, 'abs': a}",
    "form": f"one of {', '.join(FORMS)} (or a list of them)",
    "decimal_places": "integer >= 0: the answer must be written with exactly this many decimals",
    "sig_figs": "integer >= 1 (or [written, accurate]): significant figures judged on the digits typed",
    "ordered": "bool: a list must be in this order",
    "variables": "list of variable names in play",
    "partial_credit": "bool: score lists and sets by the share of correct entries",
    "syntax": "'auto', 'text' or 'latex'",
    "log_base": "'e' or '10': what log(x) means",
    "notation": "'any', 'interval' or 'inequality' (inequality kind)",
    "case_sensitive": "bool (string and multiple_choice kinds)",
    "mixed_numbers": "bool: read 1 1/2 as a mixed number",
    "number_grouping": "bool: read 1,000 and 1 000 as thousands",
    "decimal_comma": "bool: read 1,5 as 1.5",
    "allow_value_for_equation": "bool: accept 3 for the key x = 3 (and x = 3 for 3)",
    "var": "the main variable (for factored, completed_square, inequality and equation kinds)",
    "choices": "multiple_choice: list of choice ids (or {'id', 'text'} objects)",
    "multiple": "multiple_choice: more than one choice may be right",
    "max_length": "integer: the longest answer accepted",
    "messages": "{code: custom feedback sentence}",
    "extract": "bool: the response is free text (a model's solution); take its final answer",
    "numeric_only": "bool: a number answer must be typed as a number, not an expression",
    "strict_type": "bool: refuse an answer of a different type (e.g. x = 3 for 3)",
    "multiplicity": "equation kind: roots must match with multiplicity ((x-1)^2 = 0 is not x = 1)",
    "compare": "number kind: '>' or '>=' (the answer must exceed the key) instead of equality",
    "task": f"what the problem asks: one of {', '.join(TASKS)}; an answer equal in value but "
    "not doing it (the unsolved equation, the uncomputed sum) is not correct",
    "given": "list of the question's own expressions (filled from the statement at load): "
    "an answer restating one is told so and not counted correct",
    "working": "'off', 'allow' or 'require': whether the student may (or must) show working "
    "line by line; its first line is the start (options.work_start, else the first 'given')",
    "work_start": "the expression, equation or system the working starts from",
}
WORKING = ("off", "allow", "require")
_BOOL_OPTS = {
    "ordered",
    "partial_credit",
    "case_sensitive",
    "mixed_numbers",
    "number_grouping",
    "decimal_comma",
    "allow_value_for_equation",
    "multiple",
    "extract",
    "numeric_only",
    "strict_type",
    "multiplicity",
}


@dataclass
class AnswerSpec:
    kind: str
    key: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ i/o
    @classmethod
    def from_dict(cls, d: object) -> AnswerSpec:
        """Validate and build a spec. Raises ``ValueError`` with a clear message."""
        if isinstance(d, AnswerSpec):
            return d
        if not isinstance(d, dict):
            raise ValueError(f"an answer spec must be a dict, not {type(d).__name__}")
        unknown = set(d) - {"kind", "key", "options"}
        if unknown:
            raise ValueError(f"unknown answer spec field(s): {', '.join(sorted(unknown))}")
        kind = d.get("kind")
        if kind not in KINDS:
            raise ValueError(f"answer spec kind must be one of {', '.join(KINDS)}; got {kind!r}")
        key = d.get("key")
        if isinstance(key, (str, int, float)) and not isinstance(key, bool):
            key = [str(key)]
        if not isinstance(key, list) or not key:
            raise ValueError("answer spec 'key' must be a non-empty list of accepted answers")
        out_key = []
        for k in key:
            if isinstance(k, bool) or not isinstance(k, (str, int, float)):
                raise ValueError(f"every key must be a string; got {k!r}")
            k = str(k)
            if not k.strip():
                raise ValueError("a key is empty")
            out_key.append(k)
        options = d.get("options") or {}
        if not isinstance(options, dict):
            raise ValueError("answer spec 'options' must be a dict")
        options = copy.deepcopy(options)
        _validate_options(kind, options)
        return cls(kind=kind, key=out_key, options=options)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": list(self.key), "options": copy.deepcopy(self.options)}

    def opt(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    @property
    def forms(self) -> list[str]:
        """The forms asked for: the ``form`` option, and the form the task implies for an
        expression answer ("factor" -> factored, "compute" -> simplified, ...)."""
        f = self.options.get("form")
        out = [] if f is None else [f] if isinstance(f, str) else list(f)
        implied = TASK_FORMS.get(self.options.get("task", ""))
        if self.kind == "expression" and implied and implied not in out:
            out.append(implied)
        return out


def _validate_options(kind: str, o: dict[str, Any]) -> None:
    for name in o:
        if name not in _OPTION_DOC:
            raise ValueError(
                f"unknown option {name!r}; known options: {', '.join(sorted(_OPTION_DOC))}"
            )
    for name in _BOOL_OPTS & set(o):
        if not isinstance(o[name], bool):
            raise ValueError(f"option {name!r} must be true or false")
    if "tolerance" in o:
        t = o["tolerance"]
        if isinstance(t, bool):
            raise ValueError("option 'tolerance' must be a number or {'rel': r, 'abs': a}")
        if isinstance(t, (int, float)):
            if t < 0:
                raise ValueError("option 'tolerance' must not be negative")
        elif isinstance(t, dict):
            bad = set(t) - {"rel", "abs"}
            if bad or not t:
                raise ValueError("option 'tolerance' takes the keys 'rel' and/or 'abs'")
            for k, v in t.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise ValueError(f"tolerance {k!r} must be a number >= 0")
        else:
            raise ValueError("option 'tolerance' must be a number or {'rel': r, 'abs': a}")
    if "working" in o and o["working"] not in WORKING:
        raise ValueError(f"option 'working' must be one of {', '.join(WORKING)}")
    if "work_start" in o and not (isinstance(o["work_start"], str) and o["work_start"].strip()):
        raise ValueError("option 'work_start' must be the text of the problem's start")
    if "form" in o:
        forms = [o["form"]] if isinstance(o["form"], str) else o["form"]
        if not isinstance(forms, list) or not forms:
            raise ValueError(f"option 'form' must be {_OPTION_DOC['form']}")
        for f in forms:
            if f not in FORMS:
                raise ValueError(f"unknown form {f!r}; forms: {', '.join(FORMS)}")
    if "decimal_places" in o:
        v = o["decimal_places"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError("option 'decimal_places' must be an integer >= 0")
    if "sig_figs" in o:
        v = o["sig_figs"]
        ok = (isinstance(v, int) and not isinstance(v, bool) and v >= 1) or (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            and v[0] >= 0
            and (v[1] >= 1 or v[1] == -1 or (v[1] == 0 and v[0] >= 1))
        )
        if not ok:
            raise ValueError("option 'sig_figs' must be an integer >= 1 or [written, accurate]")
    if "variables" in o:
        v = o["variables"]
        if isinstance(v, str):
            v = o["variables"] = [x.strip() for x in v.split(",") if x.strip()]
        if not isinstance(v, list) or not all(
            isinstance(x, str) and x.replace("_", "").isalnum() and x[0].isalpha() for x in v
        ):
            raise ValueError("option 'variables' must be a list of names such as ['x', 'y']")
    if "var" in o:
        v = o["var"]
        if not isinstance(v, str) or not v.strip():
            raise ValueError(
                "option 'var' must be a variable name (or an expression such as 'sin(x)')"
            )
    if "syntax" in o and o["syntax"] not in ("auto", "text", "latex"):
        raise ValueError("option 'syntax' must be 'auto', 'text' or 'latex'")
    if "log_base" in o:
        o["log_base"] = str(o["log_base"])
        if o["log_base"] not in ("e", "10"):
            raise ValueError("option 'log_base' must be 'e' or '10'")
    if "task" in o and o["task"] not in TASKS:
        raise ValueError(f"option 'task' must be one of {', '.join(TASKS)}")
    if "given" in o:
        g = o["given"]
        if not isinstance(g, list) or not all(isinstance(x, str) and x.strip() for x in g):
            raise ValueError("option 'given' must be a list of expressions from the statement")
    if "compare" in o and o["compare"] not in (">", ">=", "<", "<="):
        raise ValueError("option 'compare' must be one of '>', '>=', '<', '<='")
    if "notation" in o and o["notation"] not in ("any", "interval", "inequality"):
        raise ValueError("option 'notation' must be 'any', 'interval' or 'inequality'")
    if "max_length" in o:
        v = o["max_length"]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 100_000:
            raise ValueError("option 'max_length' must be an integer between 1 and 100000")
    if "messages" in o:
        m = o["messages"]
        if not isinstance(m, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in m.items()
        ):
            raise ValueError("option 'messages' must map codes to sentences")
    if "choices" in o:
        c = o["choices"]
        if not isinstance(c, list) or not c:
            raise ValueError("option 'choices' must be a non-empty list")
        for x in c:
            if not (isinstance(x, str) or (isinstance(x, dict) and isinstance(x.get("id"), str))):
                raise ValueError("every choice must be an id string or {'id': ..., 'text': ...}")
    if kind != "multiple_choice" and ("choices" in o or "multiple" in o):
        raise ValueError("options 'choices' and 'multiple' belong to the multiple_choice kind")
