"""``validate_spec``: every key parses and satisfies its own spec (for the curriculum loader)."""

from __future__ import annotations

from .spec import AnswerSpec


def validate_spec(spec: object) -> list[str]:
    """A list of error strings (empty when the spec is usable)."""
    from .checker import check_inline

    try:
        s = AnswerSpec.from_dict(spec)
    except (ValueError, TypeError) as e:
        return [str(e)]
    errors: list[str] = []
    # a key is the exact value: it need not be written to the precision it asks students for
    precision = {"sig_figs", "decimal_places", "compare"} & set(s.options)
    if precision:
        loose = AnswerSpec.from_dict(
            {**s.to_dict(), "options": {k: v for k, v in s.options.items() if k not in precision}}
        )
        for k in s.key:
            v = check_inline(k, loose)
            if not v.valid:
                errors.append(f"key {k!r} could not be read: {v.feedback}")
            elif not v.correct:
                errors.append(f"key {k!r} is not a number ({v.code}): {v.feedback}")
        return errors
    for k in s.key:
        v = check_inline(k, s)
        if not v.valid:
            errors.append(f"key {k!r} could not be read: {v.feedback}")
        elif not v.correct and s.kind not in ("multiple_choice",):
            why = v.feedback if v.code != "wrong" else "it is not accepted by its own spec"
            errors.append(f"key {k!r} does not satisfy its own spec ({v.code}): {why}")
    if s.kind == "multiple_choice" and s.opt("choices"):
        ids = {c if isinstance(c, str) else c["id"] for c in s.opt("choices")}
        norm = (lambda x: x) if s.opt("case_sensitive") else str.lower
        for k in s.key:
            if norm(k) not in {norm(i) for i in ids}:
                errors.append(f"key {k!r} is not one of the choices")
    return errors
