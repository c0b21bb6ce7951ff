"""The interface translations: `python scripts/messages.py compile` writes each
locale/<lang>/LC_MESSAGES/django.mo from its django.po in pure Python (no GNU gettext needed
to build or deploy; the .mo files are committed); `check` fails when a .po has an
untranslated or fuzzy entry or its .mo is out of date (the test suite runs it too).

Adding or changing interface text: `make messages` (runs Django's makemessages, which needs
GNU gettext's xgettext/msgmerge: `apt-get install gettext`), translate the new entries in
each .po, then `make messages` again to compile. See docs/i18n.md."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import po

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def compiled(path: Path) -> bytes:
    header, entries = po.read(str(path))
    return po.mo_bytes(header, entries)


def problems(path: Path) -> list[str]:
    _, entries = po.read(str(path))
    out = [f"{path}: untranslated or fuzzy: {e.msgid!r}" for e in entries if not e.translated]
    mo = path.with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(path):
        out.append(f"{mo}: out of date; run `python scripts/messages.py compile`")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":
        for path in catalogues():
            path.with_suffix(".mo").write_bytes(compiled(path))
            print(f"compiled {path.with_suffix('.mo').relative_to(LOCALE.parent)}")
        return 0
    if command == "check":
        found = [p for path in catalogues() for p in problems(path)]
        print("\n".join(found) or f"{len(catalogues())} catalogue(s) complete and compiled")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
