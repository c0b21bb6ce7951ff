"""Complete validation of a course package before anything is written.

`validate(raw)` checks, in order: the JSON Schema; unique slugs; prerequisites that exist and
are acyclic; templates that instantiate with their constraints holding; every answer key
(problems, template instances, scaffolds) parsing and satisfying its own spec; referenced
figures present; no raw HTML or script in any text. It returns every issue with its file and
location, and, when there are no errors, a `CoursePlan` ready for `curriculum.importer`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from jsonschema import Draft202012Validator

from curriculum import generate
from curriculum.package import HasIssues, Issue, RawPackage, figure_type, format_path

SCHEMA_PATH = Path(__file__).parent / "schema" / "course.schema.json"
FORMAT = "tutor-curriculum/1"

# Math is cut out before looking for HTML, as the renderer does (`a<b` in math is fine).
_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$[^$\n]+?\$", re.DOTALL)
# A tag starts right after `<` (browsers read `a < b` as text), as do comments and CDATA.
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--|<!\[CDATA\[|<!doctype", re.I)
# Script URLs anywhere; data: URLs where a link or image target is.
_BAD_SCHEME = re.compile(
    r"\b(?:javascript|vbscript)\s*:|(?:\]\(\s*<?|<|\b(?:href|src)\s*=\s*[\"']?)\s*data\s*:", re.I
)
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@lru_cache(maxsize=1)
def schema_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


# ------------------------------------------------------------------ canonical form


def _key_list(key: Any) -> list[str]:
    keys = key if isinstance(key, list) else [key]
    return [k if isinstance(k, str) else _num(k) for k in keys]


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def normalize_answer(answer: dict[str, Any]) -> dict[str, Any]:
    out = {"kind": answer["kind"], "key": _key_list(answer["key"])}
    if answer.get("options"):
        out["options"] = answer["options"]
    return out


def normalize_hint(hint: Any) -> Any:
    if isinstance(hint, str):
        return hint
    out = {"text": hint["text"]}
    for name in ("title", "source_id", "bottom_out"):
        if hint.get(name):
            out[name] = hint[name]
    if "answer" in hint:
        out["answer"] = normalize_answer(hint["answer"])
    if hint.get("hints"):
        out["hints"] = [normalize_hint(h) for h in hint["hints"]]
    # A hint with nothing but text is written as a plain string.
    return out["text"] if set(out) == {"text"} else out


def _drop_empty(d: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in defaults or v != defaults[k]}


_COURSE_DEFAULTS = {
    "description": "",
    "published": True,
    "attribution": "",
    "license": "",
    "source_url": "",
    "extra": {},
}
_UNIT_DEFAULTS = {"description": "", "extra": {}, "skills": None}
_SKILL_DEFAULTS = {
    "description": "",
    "prerequisites": [],
    "extra": {},
    "problems": [],
    "templates": [],
}
_PROBLEM_DEFAULTS = {
    "title": "",
    "difficulty": 0,
    "hints": [],
    "solution": "",
    "source": {},
    "extra": {},
}
_TEMPLATE_DEFAULTS = {
    "seed": 0,
    "computed": {},
    "constraints": [],
    "title": "",
    "difficulty": 0,
    "hints": [],
    "solution": "",
}


def normalize(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a (schema-valid) package: defaults dropped, shorthands used.

    Export writes this form, and the content hash is taken over it, so a package and its
    export compare equal.
    """
    units = []
    for unit in data["units"]:
        skills = []
        for skill in unit.get("skills", []):
            problems = []
            for problem in skill.get("problems", []):
                p = dict(problem)
                p["answer"] = normalize_answer(problem["answer"])
                p["hints"] = [normalize_hint(h) for h in problem.get("hints", [])]
                if "source" in p:
                    p["source"] = {k: v for k, v in p["source"].items() if v}
                problems.append(_drop_empty(p, _PROBLEM_DEFAULTS))
            templates = []
            for template in skill.get("templates", []):
                t = dict(template)
                t["answer"] = normalize_answer(template["answer"])
                t["hints"] = [normalize_hint(h) for h in template.get("hints", [])]
                templates.append(_drop_empty(t, _TEMPLATE_DEFAULTS))
            s = dict(skill, problems=problems, templates=templates)
            skills.append(_drop_empty(s, _SKILL_DEFAULTS))
        u = dict(unit, skills=skills)
        units.append(_drop_empty(u, _UNIT_DEFAULTS))
    return {
        "format": FORMAT,
        "course": _drop_empty(dict(data["course"]), _COURSE_DEFAULTS),
        "units": units,
    }


def content_hash(normalized: dict[str, Any], figures: dict[str, bytes]) -> str:
    digest = hashlib.sha256(json.dumps(normalized, sort_keys=True, ensure_ascii=False).encode())
    for path in sorted(figures):
        digest.update(path.encode() + b"\0" + hashlib.sha256(figures[path]).digest())
    return digest.hexdigest()


# ------------------------------------------------------------------ the plan for the importer


@dataclass
class CoursePlan:
    """A validated course, flattened for the importer (orders are positions in the package)."""

    course: dict[str, Any]
    units: list[dict[str, Any]]
    skills: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    figures: dict[str, bytes]
    normalized: dict[str, Any]
    content_hash: str
    source_format: str = "native"


@dataclass
class ValidationResult(HasIssues):
    issues: list[Issue] = field(default_factory=list)
    plans: list[CoursePlan] = field(default_factory=list)
    # How many problems of each answer kind failed the checker (reported, e.g. for OATutor).
    stats: dict[str, Any] = field(default_factory=dict)
    # What the package holds as written (reported when it is rejected and has no plan).
    raw_counts: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        if not self.plans and self.raw_counts:
            return dict(self.raw_counts)
        return {
            "courses": len(self.plans),
            "units": sum(len(p.units) for p in self.plans),
            "skills": sum(len(p.skills) for p in self.plans),
            "templates": sum(len(p.templates) for p in self.plans),
            "problems": sum(len(p.problems) for p in self.plans),
            "hints": sum(len(pr["hints"]) for p in self.plans for pr in p.problems),
            "figures": sum(len(p.figures) for p in self.plans),
        }


# ------------------------------------------------------------------ malformed packages
_ITEM_LISTS = ("units", "skills", "problems", "templates", "hints")


def _prune(
    data: dict[str, Any], paths: list[tuple]
) -> tuple[dict[str, Any], dict[tuple, set[int]]] | None:
    """A copy without the list items (unit, skill, problem, template, hint) that hold the
    given schema errors, and which were left out (parent path -> indices, as written); None
    when an error is outside any item (course, format)."""
    doomed: set[tuple] = set()
    for path in paths:
        cut = None
        for i in range(len(path) - 1):
            if path[i] in _ITEM_LISTS and isinstance(path[i + 1], int):
                cut = path[: i + 2]
        if cut is None:
            return None
        doomed.add(cut)
    out = copy.deepcopy(data)
    for cut in sorted(doomed, key=lambda c: (len(c), c[-1]), reverse=True):
        parent = out
        for key in cut[:-1]:
            parent = parent[key]
        if cut[-1] < len(parent):
            del parent[cut[-1]]
    gone: dict[tuple, set[int]] = {}
    for cut in doomed:
        gone.setdefault(cut[:-1], set()).add(cut[-1])
    return out, gone


def _raw_counts(data: Any) -> dict[str, int]:
    """Courses, units, skills, templates, problems and hints as written in the package."""

    def items(d: Any, key: str) -> list:
        v = d.get(key) if isinstance(d, dict) else None
        return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    units = items(data, "units")
    skills = [s for u in units for s in items(u, "skills")]
    problems = [p for s in skills for p in items(s, "problems")]
    templates = [t for s in skills for t in items(s, "templates")]
    return {
        "courses": int(isinstance(data, dict) and isinstance(data.get("course"), dict)),
        "units": len(units),
        "skills": len(skills),
        "templates": len(templates),
        "problems": len(problems)
        + sum(int(t.get("count") or 0) for t in templates if isinstance(t.get("count"), int)),
        "hints": sum(
            len(p.get("hints") or []) for p in problems if isinstance(p.get("hints"), list)
        ),
        "figures": 0,
    }


# ------------------------------------------------------------------ answer specs


@lru_cache(maxsize=65536)
def _spec_problems_cached(spec_json: str) -> tuple[str, ...]:
    from curriculum.answers import AnswerSpec, validate_spec

    try:
        spec = AnswerSpec.from_dict(json.loads(spec_json))
    except ValueError as exc:
        return (str(exc),)
    try:
        return tuple(validate_spec(spec))
    except Exception as exc:  # noqa: BLE001 - a checker crash is reported, never fatal here
        return (f"the answer checker failed on this spec: {type(exc).__name__}: {exc}",)


def spec_problems(spec: dict[str, Any]) -> list[str]:
    """What is wrong with an answer spec according to the checker (empty when fine)."""
    return list(_spec_problems_cached(json.dumps(spec, sort_keys=True)))


def _with_statement(out: _Collector, path: tuple, statement: str, spec: dict) -> dict:
    """The spec with the statement's own expressions as ``given`` (an answer restating one
    is told so), and a warning for any statement span still accepted as the answer."""
    from curriculum.answers.statements import accepted_spans, with_given

    try:
        authored = "given" in (spec.get("options") or {})
        spec = with_given(spec, statement)
        # With the loader's own given every span is either restated or the key itself (see
        # statements.given_from_statement; restatement_report checks that independently):
        # only a given the author wrote needs the check.
        accepted = accepted_spans(statement, spec) if authored else []
    except Exception as exc:  # noqa: BLE001 - a checker crash is reported, never fatal here
        out.warning(path, f"the statement could not be checked against the answer: {exc}")
        return spec
    for a in accepted:
        if not a.legitimate:
            out.warning(
                path,
                f"the statement's own ${a.span}$ is accepted as the answer: "
                "set the answer's task (solve, compute, simplify, factor, expand, lowest_terms)",
            )
    return spec


def _check_hints_reveal(
    out: _Collector, path: tuple, hints: list[Any], spec: dict, source_format: str
) -> None:
    """The reveal check the tutor model's hints get, on every authored hint: a hint before the
    last that states the answer is an error; the last may only when marked `bottom_out`.
    (Imported content whose authors did not know the rule gets warnings, not errors, and its
    last hint is its bottom-out hint, as OATutor pathways are written.)"""
    from curriculum.answers.hints import reveals_answer

    report = out.error if source_format == "native" else out.warning
    for i, hint in enumerate(hints):
        text = hint if isinstance(hint, str) else hint["text"]
        last = i == len(hints) - 1
        if not last and not isinstance(hint, str) and hint.get("bottom_out"):
            out.error((*path, i), "only the last hint can be the bottom-out hint")
        if not isinstance(hint, str) and hint.get("bottom_out"):
            continue
        try:
            shown = reveals_answer(text, spec)
        except Exception as exc:  # noqa: BLE001 - a checker crash is reported, never fatal here
            out.warning((*path, i), f"the hint could not be checked against the answer: {exc}")
            continue
        if shown is None:
            continue
        if last and source_format != "native":
            continue  # imported pathways end with their bottom-out hint by convention (OATutor)
        if last:
            report(
                (*path, i),
                f"the last hint states the answer (${shown}$): teach the step instead, "
                "or mark it `bottom_out: true`",
            )
        else:
            report(
                (*path, i),
                f"hint {i + 1} of {len(hints)} gives the answer away (${shown}$): "
                "teach the step instead",
            )


# ------------------------------------------------------------------ text


_PLACEHOLDER = re.compile(r"@\{[A-Za-z_][A-Za-z0-9_]*(?:\|[a-z]+)?\}")


def text_problems(text: str) -> list[str]:
    """Raw HTML, script or dangerous URLs outside math; the renderer escapes them anyway,
    but authors must hear that their text will not look as they meant."""
    outside = _MATH.sub(" ", text)
    found = []
    tag = HTML_TAG.search(outside)
    if tag:
        found.append(f"raw HTML is not allowed in text (found {tag.group(0)[:40]!r}); use Markdown")
    scheme = _BAD_SCHEME.search(outside)
    if scheme:
        found.append(f"{scheme.group(0)[:20]!r} URLs are not allowed")
    return found


def image_refs(text: str) -> list[str]:
    return _IMAGE.findall(text)


# ------------------------------------------------------------------ validation


class _Collector:
    def __init__(self, raw: RawPackage):
        self.raw = raw
        self.issues: list[Issue] = []
        # list parent (as written) -> indices of malformed items left out (see _prune)
        self.pruned: dict[tuple, set[int]] = {}

    def add(self, level: str, path: tuple, message: str) -> None:
        path = self._as_written(path)
        self.issues.append(
            Issue(
                level, self.raw.origin_of(path), format_path(path), message, self.raw.line_of(path)
            )
        )

    def _as_written(self, path: tuple) -> tuple:
        """A path into the pruned package as a path into the package as written."""
        if not self.pruned:
            return path
        out: list = []
        for i, key in enumerate(path):
            if isinstance(key, int) and i and path[i - 1] in _ITEM_LISTS:
                gone = self.pruned.get(tuple(out), set())
                index = -1
                for _ in range(key + 1):
                    index += 1
                    while index in gone:
                        index += 1
                key = index
            out.append(key)
        return tuple(out)

    def error(self, path: tuple, message: str) -> None:
        self.add("error", path, message)

    def warning(self, path: tuple, message: str) -> None:
        self.add("warning", path, message)


def _schema_message(err: Any) -> str:
    if err.validator == "oneOf" and err.context:
        # The most specific reason among the alternatives.
        best = min(err.context, key=lambda e: len(list(e.absolute_path)) * -1)
        return f"{best.message} (and it matches no accepted form)"
    return err.message


def validate(raw: RawPackage, *, source_format: str = "native") -> ValidationResult:
    """Check a package completely; see the module docstring for the list."""
    out = _Collector(raw)
    data = raw.data
    if not isinstance(data, dict):
        out.error((), "the package must be a mapping with format, course and units")
        return ValidationResult(out.issues)
    schema_errors = sorted(
        schema_validator().iter_errors(data), key=lambda e: list(e.absolute_path)
    )
    for err in schema_errors[:200]:
        out.error(tuple(err.absolute_path), _schema_message(err))
    if len(schema_errors) > 200:
        out.error((), f"... and {len(schema_errors) - 200} more schema errors")
    if schema_errors:
        # Go on with the items that are well formed, so that one upload reports every error
        # (the malformed items are left out; nothing is written either way).
        pruned = _prune(data, [tuple(e.absolute_path) for e in schema_errors])
        if pruned is None or next(schema_validator().iter_errors(pruned[0]), None) is not None:
            return ValidationResult(out.issues, raw_counts=_raw_counts(data))
        data, out.pruned = pruned

    stats = {"answers_checked": 0, "answers_failed": 0}
    course_slug = data["course"]["slug"]
    units, skills, templates, problems = [], [], [], []
    unit_slugs: dict[str, tuple] = {}
    skill_slugs: dict[str, tuple] = {}
    problem_slugs: dict[str, tuple] = {}
    template_slugs: dict[str, tuple] = {}
    referenced: set[str] = set()

    def unique(seen: dict[str, tuple], slug: str, path: tuple, what: str) -> None:
        if slug in seen:
            out.error(path, f"duplicate {what} slug {slug!r} (first at {format_path(seen[slug])})")
        else:
            seen[slug] = path

    def check_text(path: tuple, text: str) -> None:
        for message in text_problems(text):
            out.error(path, message)
        placeholder = _PLACEHOLDER.search(text)
        if placeholder:
            out.warning(
                path, f"unfilled variable placeholder {placeholder.group(0)} (shown literally)"
            )
        for ref in image_refs(text):
            if "://" in ref or ref.startswith("/"):
                if not ref.startswith(("https://", "http://", "/curriculum/figures/")):
                    out.error(path, f"figure {ref!r}: only relative paths or http(s) URLs")
                continue
            clean = PurePosixPath(ref)
            if ".." in clean.parts:
                out.error(path, f"figure {ref!r} points outside the package")
            elif ref not in raw.files:
                out.error(path, f"figure {ref!r} is not in the package")
            elif figure_type(ref) is None:
                out.error(path, f"figure {ref!r} is not an image (png, jpg, gif, svg, webp)")
            else:
                referenced.add(ref)

    def check_answer(path: tuple, answer: dict[str, Any]) -> dict[str, Any]:
        spec = normalize_answer(answer)
        stats["answers_checked"] += 1
        problems_found = spec_problems(spec)
        if problems_found:
            stats["answers_failed"] += 1
        for message in problems_found:
            out.error(path, f"answer spec: {message}")
        if spec["kind"] == "multiple_choice":
            for ci, choice in enumerate(spec.get("options", {}).get("choices", [])):
                if isinstance(choice, dict):
                    check_text((*path, "options", "choices", ci, "text"), choice["text"])
        return spec

    def flatten_hints(path: tuple, hints: list[Any]) -> list[dict[str, Any]]:
        flat = []
        for hi, hint in enumerate(hints):
            hpath = (*path, hi)
            if isinstance(hint, str):
                check_text(hpath, hint)
                flat.append(
                    {
                        "kind": "hint",
                        "text": hint,
                        "title": "",
                        "answer_spec": None,
                        "subhints": [],
                        "source_id": "",
                    }
                )
                continue
            check_text((*hpath, "text"), hint["text"])
            check_text((*hpath, "title"), hint.get("title", ""))
            if hint.get("hints") and "answer" not in hint:
                out.error(hpath, "only a scaffold (a hint with an answer) may have its own hints")
            spec = check_answer((*hpath, "answer"), hint["answer"]) if "answer" in hint else None
            # Sub-hints are checked like hints (text, scaffold answers); they are stored
            # in their package form below.
            flatten_hints((*hpath, "hints"), hint.get("hints", []))
            flat.append(
                {
                    "kind": "scaffold"
                    if spec
                    else "bottom_out"
                    if hint.get("bottom_out")
                    else "hint",
                    "text": hint["text"],
                    "title": hint.get("title", ""),
                    "answer_spec": spec,
                    # Sub-hints are kept in their package form (they are shown, not tracked).
                    "subhints": [normalize_hint(h) for h in hint.get("hints", [])],
                    "source_id": hint.get("source_id", ""),
                }
            )
        return flat

    def add_problem(
        path: tuple,
        problem: dict[str, Any],
        skill_slug: str,
        order: int,
        template: str | None,
        params: dict | None,
    ) -> None:
        unique(problem_slugs, problem["slug"], path, "problem")
        check_text((*path, "statement"), problem["statement"])
        check_text((*path, "title"), problem.get("title", ""))
        check_text((*path, "solution"), problem.get("solution", ""))
        spec = check_answer((*path, "answer"), problem["answer"])
        if not spec_problems(spec):
            spec = _with_statement(out, (*path, "answer"), problem["statement"], spec)
            _check_hints_reveal(
                out, (*path, "hints"), problem.get("hints", []), spec, source_format
            )
        source = problem.get("source", {})
        problems.append(
            {
                "skill": skill_slug,
                "slug": problem["slug"],
                "order": order,
                "title": problem.get("title", ""),
                "statement": problem["statement"],
                "answer_spec": spec,
                "difficulty": float(problem.get("difficulty", 0.0)),
                "solution": problem.get("solution", ""),
                "source_id": source.get("id", ""),
                "source_url": source.get("url", ""),
                "license": source.get("license", ""),
                "extra": problem.get("extra", {}),
                "template": template,
                "params": params,
                "hints": flatten_hints((*path, "hints"), problem.get("hints", [])),
            }
        )

    check_text(("course", "description"), data["course"].get("description", ""))
    for ui, unit in enumerate(data["units"]):
        upath = ("units", ui)
        unique(unit_slugs, unit["slug"], (*upath, "slug"), "unit")
        check_text((*upath, "description"), unit.get("description", ""))
        units.append(
            {
                "slug": unit["slug"],
                "title": unit["title"],
                "description": unit.get("description", ""),
                "order": ui,
                "extra": unit.get("extra", {}),
            }
        )
        for si, skill in enumerate(unit["skills"]):
            spath = (*upath, "skills", si)
            unique(skill_slugs, skill["slug"], (*spath, "slug"), "skill")
            check_text((*spath, "description"), skill.get("description", ""))
            skills.append(
                {
                    "slug": skill["slug"],
                    "name": skill["name"],
                    "description": skill.get("description", ""),
                    "unit": unit["slug"],
                    "order": len(skills),
                    "prerequisites": list(skill.get("prerequisites", [])),
                    "extra": skill.get("extra", {}),
                    "_path": spath,
                }
            )
            order = 0
            for pi, problem in enumerate(skill.get("problems", [])):
                add_problem((*spath, "problems", pi), problem, skill["slug"], order, None, None)
                order += 1
            for ti, template in enumerate(skill.get("templates", [])):
                tpath = (*spath, "templates", ti)
                unique(template_slugs, template["slug"], (*tpath, "slug"), "template")
                try:
                    instances = generate.instantiate(template)
                except generate.TemplateError as exc:
                    out.error(tpath, f"template does not instantiate: {exc}")
                    continue
                templates.append(
                    {
                        "skill": skill["slug"],
                        "slug": template["slug"],
                        "order": ti,
                        "definition": template,
                    }
                )
                before = len(out.issues)
                for instance in instances:
                    add_problem(
                        tpath,
                        instance.problem,
                        skill["slug"],
                        order,
                        template["slug"],
                        instance.params,
                    )
                    order += 1
                    if len(out.issues) - before > 5:
                        out.error(
                            tpath, "... stopping after 5 problems in this template's instances"
                        )
                        break
                # Instances whose statements coincide are not distinct problems.
                statements = {i.problem["statement"] for i in instances}
                if len(statements) < len(instances):
                    out.warning(
                        tpath,
                        f"only {len(statements)} distinct statements among {len(instances)} instances",
                    )

    # Prerequisites: they exist in this course and form no cycle.
    graph = {s["slug"]: s["prerequisites"] for s in skills}
    for s in skills:
        for pi, pre in enumerate(s["prerequisites"]):
            if pre not in graph:
                out.error((*s["_path"], "prerequisites", pi), f"unknown prerequisite skill {pre!r}")
            elif pre == s["slug"]:
                out.error(
                    (*s["_path"], "prerequisites", pi), "a skill cannot be its own prerequisite"
                )
    for cycle in find_cycles(graph):
        first = next(s for s in skills if s["slug"] == cycle[0])
        out.error((*first["_path"], "prerequisites"), "cyclic prerequisites: " + " → ".join(cycle))
    for s in skills:
        del s["_path"]

    unused = sorted(set(raw.files) - referenced)
    for path in unused:
        out.warning((), f"file {path!r} is in the package but no text refers to it")
    result = ValidationResult(out.issues, stats=stats, raw_counts=_raw_counts(raw.data))
    if result.ok:
        normalized = normalize(data)
        figures = {p: raw.files[p] for p in sorted(referenced)}
        result.plans.append(
            CoursePlan(
                course={
                    "slug": course_slug,
                    "title": data["course"]["title"],
                    "description": data["course"].get("description", ""),
                    "is_published": data["course"].get("published", True),
                    "attribution": data["course"].get("attribution", ""),
                    "license": data["course"].get("license", ""),
                    "source_url": data["course"].get("source_url", ""),
                    "extra": data["course"].get("extra", {}),
                },
                units=units,
                skills=skills,
                templates=templates,
                problems=problems,
                figures=figures,
                normalized=normalized,
                content_hash=content_hash(normalized, figures),
                source_format=source_format,
            )
        )
    return result


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of a prerequisite graph once, as [a, b, ..., a]."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    cycles: list[list[str]] = []
    for start in graph:
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                colour[node] = grey
                path.append(node)
            edges = [e for e in graph.get(node, []) if e in graph]
            if index < len(edges):
                stack.append((node, index + 1))
                nxt = edges[index]
                if colour[nxt] == grey:
                    cycles.append(path[path.index(nxt) :] + [nxt])
                elif colour[nxt] == white:
                    stack.append((nxt, 0))
            else:
                colour[node] = black
                path.pop()
    return cycles
