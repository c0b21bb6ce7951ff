"""Answers written in a way we do not read, that are not wrong: a unit after the number
(``5 cm``), a degree sign (``45°``), a number in words (``three``), a decimal comma
(``2,75``), a thousands comma inside an expression (``1,000x``). The student gets a precise
message asking for the form needed, and the attempt is not counted (code ``notation``)."""

from __future__ import annotations

import re

from .spec import AnswerSpec

UNITS = {
    *"mm cm dm m km in ft yd mi mg g kg t lb oz ml l L s min h hr ms ns".split(),
    *"sec secs hrs hours hour minutes minute seconds second days day".split(),
    *"meter meters metre metres inch inches foot feet yard yards mile miles".split(),
    *"gram grams kilogram kilograms pound pounds ounce ounces liter liters litre litres".split(),
    *"cents cent dollars dollar euros euro units unit people cm2 m2 km2 cm3 m3".split(),
    *"mph kph kmh rad radians".split(),
}
_DEGREE = re.compile(r"^\s*(?P<num>[-+−]?\d+(?:\.\d+)?)\s*(?:°|º|degrees?|deg)\s*$", re.I)
_UNIT = re.compile(r"^\s*(?P<num>[-+−]?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)(?:\^?[23]|[²³])?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*(?P<int>[-+−]?\d+),(?P<frac>\d+)\s*$")
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
WORDS = {w: i for i, w in enumerate(_ONES)} | {w: 10 * i for i, w in enumerate(_TENS) if i > 1}


def _number_from_words(text: str) -> int | None:
    parts = re.split(r"[\s-]+", text.strip().lower())
    if not parts or not all(p in WORDS or p == "hundred" for p in parts):
        return None
    total, current = 0, 0
    for p in parts:
        if p == "hundred":
            current = max(current, 1) * 100
        else:
            current += WORDS[p]
    return total + current


def _numeric_keys(spec: AnswerSpec) -> bool:
    return all(not re.search(r"[A-Za-z\\]", k) for k in spec.key)


def notation_problem(raw: str, spec: AnswerSpec) -> str | None:
    """The message for an answer in a notation we do not read, or None."""
    if spec.kind in ("multiple_choice", "string"):
        return None
    single = spec.kind not in ("set", "list")
    m = _DEGREE.match(raw)
    if m and _numeric_keys(spec):
        return f"Please leave out the degree sign: type just the number, like {m['num']}."
    m = _UNIT.match(raw)
    if m and m["unit"] in UNITS and _numeric_keys(spec):
        return f"Please leave out the unit ({m['unit']}): type just the number, like {m['num']}."
    n = _number_from_words(raw)
    if n is not None and _numeric_keys(spec):
        return f"Please type the number in digits, like {n}."
    m = _DECIMAL_COMMA.match(raw)
    if m and single and not spec.opt("decimal_comma") and len(m["frac"]) != 3:
        return (
            f"Please use a decimal point, like {m['int']}.{m['frac']} "
            "(a comma separates the entries of a list)."
        )
    m = _THOUSANDS.search(raw)
    if m and single and raw.strip() != m.group(0):
        plain = m.group(0).replace(",", "")
        return f"Please write numbers without a thousands comma: {plain}, not {m.group(0)}."
    return None
