"""A small reader and writer of gettext .po files (no third-party package): what
scripts/translations.py and the i18n tests need."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # 0 for a singular entry
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read(path: str) -> tuple[str, list[Entry]]:
    """(the header entry's msgstr, the entries) of a .po file."""
    entries: list[Entry] = []
    comments: list[str] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for raw in open(path, encoding="utf-8").read().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                entries.append(current)
                current, target = None, None
            comments.append(line)
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, raw
            kind, index = target
            value = _unquote(line)
            if kind == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, kind, (getattr(current, kind) or "") + value)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and current is not None and target is not None:
            if target[0] == "msgstr":
                entries.append(current)
                current = None
        if current is None:
            current = Entry(msgid="", comments=comments)
            comments = []
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
    if current is not None:
        entries.append(current)
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    body = [e for e in entries if e is not header]
    return (header.msgstr.get(0, "") if header else ""), body


def _quote(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def write(path: str, header: str, entries: list[Entry], header_comments: list[str]) -> None:
    """Write a .po file (one line per string: makemessages re-wraps it on its next run)."""
    lines = [*header_comments, 'msgid ""', f"msgstr {_quote(header)}", ""]
    for e in entries:
        lines += e.comments
        if e.msgctxt is not None:
            lines.append(f"msgctxt {_quote(e.msgctxt)}")
        lines.append(f"msgid {_quote(e.msgid)}")
        if e.msgid_plural is not None:
            lines.append(f"msgid_plural {_quote(e.msgid_plural)}")
            lines += [f"msgstr[{i}] {_quote(e.msgstr.get(i, ''))}" for i in sorted(e.msgstr)]
        else:
            lines.append(f"msgstr {_quote(e.msgstr.get(0, ''))}")
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def header_comments(path: str) -> list[str]:
    """The comment lines above the header entry."""
    out = []
    for line in open(path, encoding="utf-8"):
        if not line.startswith("#"):
            break
        out.append(line.rstrip("\n"))
    return out


def mo_bytes(header: str, entries: list[Entry]) -> bytes:
    """The compiled catalogue, as GNU msgfmt writes it (without the optional hash table):
    translated, non-fuzzy entries only, keys sorted. Python's gettext (and so Django)
    reads it."""
    import struct

    catalogue: dict[bytes, bytes] = {b"": header.encode()}
    for e in entries:
        if not e.translated:
            continue
        key = e.msgid if e.msgid_plural is None else f"{e.msgid}\0{e.msgid_plural}"
        if e.msgctxt is not None:
            key = f"{e.msgctxt}\x04{key}"
        value = "\0".join(e.msgstr[i] for i in sorted(e.msgstr))
        catalogue[key.encode()] = value.encode()
    keys = sorted(catalogue)
    n = len(keys)
    originals_at = 28
    translations_at = originals_at + 8 * n
    data_at = translations_at + 8 * n
    originals, translations, blob = [], [], b""
    for k in keys:
        originals.append((len(k), data_at + len(blob)))
        blob += k + b"\0"
    for k in keys:
        v = catalogue[k]
        translations.append((len(v), data_at + len(blob)))
        blob += v + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, originals_at, translations_at, 0, data_at)
    for length, offset in originals + translations:
        out += struct.pack("<2I", length, offset)
    return out + blob
