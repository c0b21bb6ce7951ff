"""The phrases a step line may use: the training data's own, with its math left out.

Every step line the model was trained on begins with one of these phrases (``$$`` stands for any
math, ``$-8$`` or ``$y = 2x + 3$``); a line whose phrase is not one of them is garbled, even when
its math checks out ("Find of $-\\frac{3}{5}$ to both fractions ..."), and is never shown. The
list is the generators' (``tests/training/test_data.py`` compares it with the phrases of 40,000
generated solutions); a new phrase in the generators belongs here too.

Pure Python (no Django, no torch, no SymPy).
"""

from __future__ import annotations

import re

__all__ = ["PHRASES", "known_phrase", "phrase_template"]

_MATH = re.compile(r"\$[^$]*\$")

PHRASES: frozenset[str] = frozenset(
    {
        "Add",
        "Add $$ to both sides",
        "Add from left to right",
        "Add the equations",
        "Add the numerators",
        "Adding $$ is subtracting $$",
        "Combine like terms",
        "Combine the $$ terms",
        "Combine the constants",
        "Distribute",
        "Divide",
        "Divide both sides by $$",
        "Divide both sides by $$ and reverse the inequality sign",
        "Divide first",
        "Divide the numerator and the denominator by $$",
        "Divide the numerator and the denominator by their greatest common factor $$",
        "Divide; like signs give a positive quotient",
        "Divide; unlike signs give a negative quotient",
        "Factor out $$",
        "Factor out the common factor $$",
        "Factor: find two numbers that multiply to $$ and add to $$",
        "Find two numbers that multiply to $$ and add to $$",
        "Group like terms",
        "Multiply",
        "Multiply both sides by $$",
        "Multiply both sides by $$ and reverse the inequality sign",
        "Multiply by the reciprocal of $$",
        "Multiply each term in the brackets by $$",
        "Multiply each term of the first bracket by each term of the second",
        "Multiply first",
        "Multiply the first equation by $$",
        "Multiply the numerator by $$",
        "Multiply the numerators and the denominators",
        "Multiply the second equation by $$",
        "Multiply; like signs give a positive product",
        "Multiply; unlike signs give a negative product",
        "Remove the brackets",
        "Rewrite with $$ on the left",
        "Set each factor equal to zero",
        "Set the factor equal to zero",
        "Solve each equation",
        "Substitute $$ into $$",
        "Substitute $$ into the first equation",
        "Substitute $$ into the second equation",
        "Subtract",
        "Subtract $$ from both sides",
        "Subtract from left to right",
        "Subtract the numerators",
        "Subtract the second equation from the first",
        "Subtracting $$ is adding $$",
        "Work inside the brackets first",
        "Write $$ with denominator $$",
        "Write both fractions with denominator $$",
        "Write the square as a product",
        "Write the variable term first",
    }
)


def phrase_template(phrase: str) -> str:
    """The phrase with each math span written ``$$``: ``Divide both sides by $$``."""
    return _MATH.sub("$$", phrase.strip())


def known_phrase(phrase: str) -> bool:
    """Whether a step's phrase is one the training data writes."""
    return phrase_template(phrase) in PHRASES
