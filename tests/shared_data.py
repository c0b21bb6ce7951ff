"""The shared corpora: ``../shared/data`` beside the repository (the peers' answer corpora, the
OATutor pool), never part of it. Tests that read them skip when they are absent, and the skip
reason says that ``../shared/data`` is what they need (``needs_shared_data``)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def needs_shared_data(*files: Path, what: str, hint: str = "") -> pytest.MarkDecorator:
    """A skipif mark for a test that reads ``files`` from the shared corpora: skipped, with a
    reason naming ``../shared/data``, when any of them is missing."""
    missing = [f for f in files if not f.exists()]
    reason = (
        f"needs ../shared/data (shared corpora beside the repository, not part of it): {what} "
        f"not found ({', '.join(str(f) for f in missing)})"
    )
    if hint:
        reason += f"; {hint}"
    return pytest.mark.skipif(bool(missing), reason=reason)
