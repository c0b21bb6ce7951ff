"""Reading a course package: one YAML/JSON file, a folder, or a zip (with figures).

Everything here is defensive, because packages are uploaded: sizes are capped, zip entries
with absolute paths, `..` or symlinks are refused, YAML aliases and duplicate keys are errors,
and every problem found is reported as an `Issue` with its file and location.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

MAX_PACKAGE_BYTES = 20 * 1024 * 1024  # an upload, zipped or not
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_FILES = 2000
MAIN_NAMES = ("course.yaml", "course.yml", "course.json")
FIGURE_SUFFIXES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class Issue:
    level: str  # "error" or "warning"
    file: str
    location: str  # a path into the document, e.g. units[0].skills[2].problems[1].answer
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.location:
            where += f" at {self.location}"
        return f"{self.level}: {where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "file": self.file,
            "location": self.location,
            "line": self.line,
            "message": self.message,
        }


class HasIssues:
    """What a report holding ``issues`` says about them (validation results, load reports)."""

    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class PackageError(Exception):
    """The package cannot be read at all; `issues` says why."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = issues


@dataclass
class RawPackage:
    data: Any
    main_file: str
    files: dict[str, bytes] = field(default_factory=dict)  # figures etc., by package path
    lines: dict[tuple, int] = field(default_factory=dict)  # document path -> line (YAML)
    # document path -> the file it came from, for converted packages (OATutor)
    origins: dict[tuple, str] = field(default_factory=dict)

    def origin_of(self, path: tuple) -> str:
        if self.origins:
            while path:
                if path in self.origins:
                    return self.origins[path]
                path = path[:-1]
        return self.main_file

    def line_of(self, path: tuple) -> int | None:
        # The nearest enclosing node that has a known line.
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def _error(file: str, message: str, location: str = "", line: int | None = None) -> PackageError:
    return PackageError([Issue("error", file, location, message, line)])


# Deeper nesting than any course needs; parsers recurse per level, so a hostile package could
# otherwise crash them with RecursionError (issue 13).
MAX_NESTING = 64


def _too_deep(name: str, depth: int | None = None) -> PackageError:
    found = f" (found {depth})" if depth else ""
    return _error(name, f"the document is nested more than {MAX_NESTING} levels deep{found}")


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ and { outside quoted strings: JSON and YAML flow style."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _data_depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return deepest


def load_document(text: bytes | str, name: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML or JSON text; returns the data and a map of document paths to line numbers.
    Nesting deeper than MAX_NESTING is refused with a clear error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _error(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if (depth := _bracket_depth(text)) > MAX_NESTING:
        raise _too_deep(name, depth)
    try:
        data, lines = _parse(text, name)
    except RecursionError:  # block-style YAML nesting the scan above cannot see
        raise _too_deep(name) from None
    if (depth := _data_depth(data)) > MAX_NESTING:
        raise _too_deep(name, depth)
    return data, lines


def _parse(text: str, name: str) -> tuple[Any, dict[tuple, int]]:
    if name.endswith(".json"):
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as exc:
            raise _error(name, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _error(name, "the file is empty")
        lines: dict[tuple, int] = {}
        problems: list[Issue] = []
        _walk(node, (), lines, problems, name, set())
        if problems:
            raise PackageError(problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        raise _error(name, message, line=line) from None
    finally:
        loader.dispose()
    return data, lines


def _walk(node: yaml.Node, path: tuple, lines: dict, problems: list, name: str, seen: set) -> None:
    """Record line numbers; refuse aliases (billion laughs) and duplicate keys."""
    if id(node) in seen:
        problems.append(
            Issue(
                "error",
                name,
                _fmt(path),
                "YAML aliases (*name) are not allowed",
                node.start_mark.line + 1,
            )
        )
        return
    seen.add(id(node))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        keys: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key == "<<":
                problems.append(
                    Issue(
                        "error",
                        name,
                        _fmt(path),
                        "YAML merge keys (<<) are not allowed",
                        key_node.start_mark.line + 1,
                    )
                )
                continue
            if key in keys:
                problems.append(
                    Issue(
                        "error",
                        name,
                        _fmt(path),
                        f"duplicate key {key!r}",
                        key_node.start_mark.line + 1,
                    )
                )
            keys.add(key)
            _walk(value_node, (*path, key), lines, problems, name, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems, name, seen)


def _fmt(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


format_path = _fmt


def read_package(source: str | Path | bytes, filename: str | None = None) -> RawPackage:
    """Read a package from a path (file or folder) or from uploaded bytes (`filename` says
    what they are). Raises PackageError with every problem found."""
    if isinstance(source, bytes):
        name = filename or "upload"
        if len(source) > MAX_PACKAGE_BYTES:
            raise _error(
                name, f"the package is {len(source):,} bytes; the limit is {MAX_PACKAGE_BYTES:,}"
            )
        if source[:4] == b"PK\x03\x04" or name.endswith(".zip"):
            return _read_zip(source, name)
        data, lines = load_document(source, name)
        return RawPackage(data, name, {}, lines)
    path = Path(source)
    if path.is_symlink():
        raise _error(str(path), "the package path is a symbolic link")
    if path.is_dir():
        return _read_folder(path)
    if not path.exists():
        raise _error(str(path), "no such file or folder")
    size = path.stat().st_size
    if size > MAX_PACKAGE_BYTES:
        raise _error(
            path.name, f"the package is {size:,} bytes; the limit is {MAX_PACKAGE_BYTES:,}"
        )
    raw = path.read_bytes()
    if path.suffix == ".zip" or raw[:4] == b"PK\x03\x04":
        return _read_zip(raw, path.name)
    data, lines = load_document(raw, path.name)
    return RawPackage(data, path.name, {}, lines)


def _pick_main(names: list[str], where: str) -> str:
    for main in MAIN_NAMES:
        if main in names:
            return main
    docs = [n for n in names if "/" not in n and n.endswith((".yaml", ".yml", ".json"))]
    if len(docs) == 1:
        return docs[0]
    raise _error(
        where, f"no course file: put the course in one of {', '.join(MAIN_NAMES)} at the top"
    )


def _read_folder(root: Path) -> RawPackage:
    files: dict[str, bytes] = {}
    issues: list[Issue] = []
    total = 0
    for item in sorted(root.rglob("*")):
        rel = item.relative_to(root).as_posix()
        if any(part.startswith(".") for part in item.relative_to(root).parts):
            continue
        if item.is_symlink():
            issues.append(Issue("error", rel, "", "symbolic links are not allowed in a package"))
            continue
        if not item.is_file():
            continue
        total += item.stat().st_size
        if len(files) >= MAX_FILES or total > MAX_UNPACKED_BYTES:
            issues.append(Issue("error", rel, "", "the package has too many files or bytes"))
            break
        files[rel] = item.read_bytes()
    if issues:
        raise PackageError(issues)
    main = _pick_main(list(files), root.name)
    data, lines = load_document(files.pop(main), main)
    return RawPackage(data, main, files, lines)


def _read_zip(raw: bytes, name: str) -> RawPackage:
    files = read_zip_files(raw, name)
    main = _pick_main(list(files), name)
    data, lines = load_document(files.pop(main), main)
    return RawPackage(data, main, files, lines)


def read_zip_files(raw: bytes, name: str) -> dict[str, bytes]:
    """The files of an uploaded zip, by path inside its top folder, after the safety checks
    (no traversal, no symlinks, bounded sizes). Raises PackageError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise _error(name, f"not a readable zip file: {exc}") from None
    issues: list[Issue] = []
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_FILES:
        raise _error(name, f"the zip has {len(entries)} files; the limit is {MAX_FILES}")
    total = 0
    for info in entries:
        member = info.filename
        mode = info.external_attr >> 16
        pure = PurePosixPath(member.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or (member[1:2] == ":"):
            issues.append(
                Issue(
                    "error",
                    f"{name}:{member}",
                    "",
                    "path traversal: entries must stay inside the package",
                )
            )
        if stat.S_ISLNK(mode):
            issues.append(
                Issue(
                    "error", f"{name}:{member}", "", "symbolic links are not allowed in a package"
                )
            )
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        issues.append(
            Issue(
                "error",
                name,
                "",
                f"the zip unpacks to {total:,} bytes; the limit is {MAX_UNPACKED_BYTES:,}",
            )
        )
    if issues:
        raise PackageError(issues)
    names = [info.filename for info in entries]
    # A zip of a folder has one top-level directory; look inside it.
    prefix = ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        prefix = tops.pop() + "/"
    files: dict[str, bytes] = {}
    for info in entries:
        rel = info.filename[len(prefix) :]
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.split("/")):
            continue
        with archive.open(info) as handle:
            # Read at most the declared size + 1: a lying header cannot inflate memory.
            content = handle.read(info.file_size + 1)
        if len(content) > info.file_size:
            raise _error(f"{name}:{info.filename}", "entry is larger than its header says")
        files[rel] = content
    return files


def figure_type(path: str) -> str | None:
    return FIGURE_SUFFIXES.get(PurePosixPath(path).suffix.lower())
