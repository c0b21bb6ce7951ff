"""Form tests (simplified, expanded, factored, ...): filled in below."""

from __future__ import annotations


def check_forms(spec, node, sv, knode, kv):
    return None
