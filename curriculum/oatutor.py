"""OATutor content pool → our packages (one per OATutor course), then the usual validation.

Reads OATutor's layout (github.com/CAHLR/OATutor-Content): `content-pool/<problemId>/<id>.json`,
`steps/<stepId>/<stepId>.json`, `steps/<stepId>/tutoring/<stepId>DefaultPathway.json`, from a
folder or from `content-pool-json.tar.gz`, plus `skillModel.json` (step → skills) and
`coursePlans.json` (courses → lessons). The mapping:

| OATutor | ours |
|---|---|
| course (coursePlans) | course `oatutor-<name>`, licence and attribution kept |
| lesson | unit (topics, learning objectives kept in `extra`); a lesson shared by several courses brings its problems into each |
| skill (skillModel) | skill of the course; first listed skill of a step is its skill |
| problem with n steps | n problems (one per step: the learner answers one thing at a time), `extra.oatutor_problem` and `part` link them |
| hint / scaffold / subHints | hint / scaffold with its own answer / the scaffold's sub-hints |
| MultipleChoice | `multiple_choice` with choices a, b, c, ... |
| answerType `string` | `string` (the checker ignores spaces and case) |
| answerType `arithmetic` | `expression`, or the kind (inequality, set, list, equation, number) whose spec the key satisfies: each key is checked by our checker against itself |
| `variabilization` | one problem per value set (`<stepId>-v1`, `-v2`, ...) |
| `$$...$$` | `$...$` (OATutor's math is inline); stray `$` escaped |
| `##figure1.gif##` (or `##figure1.gif` at the end) | the figure when the pool has it, otherwise a visible note (reported) |
| a literal `\\n` in text (not in math) | a paragraph break |

What cannot be mapped is skipped and counted with its reason in the mapping report.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import tarfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from curriculum.answers.tasks import infer_task
from curriculum.package import Issue, PackageError, RawPackage
from curriculum.validation import FORMAT, HTML_TAG, spec_problems

ATTRIBUTION = (
    "Problems from OpenStax (openstax.org), hints and scaffolds by the OATutor project "
    "(oatutor.io), CC BY 4.0"
)
_VAR = re.compile(r"@\{(\w+)\}")
# `##figure1.gif##`; a token at the end of a text often lacks its closing `##` in the pool.
_FIGURE = re.compile(r"##([\w.-]+?\.(?:gif|png|jpe?g|svg))(?:##)?", re.I)
# OATutor's line break is a literal backslash-n in the text (`…endpoint.\n##figure1.gif`);
# outside math it becomes a paragraph break. Not a LaTeX command that starts with n.
_LITERAL_NEWLINE = re.compile(
    r"\\n(?!(?:eq|e|u|ot|abla|eg|i|exists|leq|geq|mid|parallel|subseteq|ewline)\b)"
)
_ARITHMETIC_FALLBACKS = ("number", "inequality", "set", "list", "equation")
_FALLBACK_SHAPES = {
    "number": lambda k: not re.search(r"[A-Za-z]", k),
    "inequality": lambda k: bool(
        re.search(r"[<>≤≥]|\\[lg]eq?\b|\\[lg]t\b|infty|∞|^\s*[\[(].*,.*[\])]\s*$", k)
    ),
    "set": lambda k: "," in k or "{" in k,
    "list": lambda k: "," in k,
    "equation": lambda k: "=" in k or bool(re.search(r"no (?:real )?solution|all real", k, re.I)),
}
_PATH = re.compile(
    r"(?:^|/)content-pool/(?P<pid>[^/]+)/(?:(?P=pid)\.json|steps/(?P<sid>[^/]+)/(?:(?P=sid)\.json|tutoring/(?P=sid)DefaultPathway\.json)|figures/(?P<fig>[^/]+))$"
)


class _Pool:
    def __init__(self) -> None:
        self.problems: dict[str, dict] = {}
        self.steps: dict[str, dict[str, dict]] = defaultdict(dict)
        self.pathways: dict[str, list] = {}
        self.figures: dict[str, dict[str, bytes]] = defaultdict(dict)

    def add(self, name: str, content: bytes) -> None:
        m = _PATH.search(name)
        if not m:
            return
        pid, sid, fig = m.group("pid"), m.group("sid"), m.group("fig")
        if fig:
            self.figures[pid][fig] = content
            return
        data = json.loads(content)
        if sid is None:
            self.problems[pid] = data
        elif name.endswith("DefaultPathway.json"):
            self.pathways[sid] = data
        else:
            self.steps[pid][sid] = data


def _read_pool_files(root: Path) -> _Pool:
    pool = _Pool()
    tarball = root / "content-pool-json.tar.gz"
    folder = root / "content-pool" if (root / "content-pool").is_dir() else None
    if root.name == "content-pool" and root.is_dir():
        folder = root
    if folder is not None:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                pool.add("content-pool/" + path.relative_to(folder).as_posix(), path.read_bytes())
    elif tarball.exists():
        # Members are read, never extracted: names cannot reach outside.
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive:
                if member.isfile():
                    handle = archive.extractfile(member)
                    if handle is not None:
                        pool.add(member.name, handle.read())
    else:
        raise PackageError(
            [Issue("error", str(root), "", "no content-pool/ folder or content-pool-json.tar.gz")]
        )
    return pool


def convert_text(text: str, figures: dict[str, bytes], pid: str, notes: Counter) -> str:
    """OATutor Markdown → ours: `$$…$$` → `$…$`, stray `$` escaped, figures resolved."""
    if not text:
        return ""
    parts = text.split("$$")
    if len(parts) % 2 == 0:  # unbalanced: treat the last `$$` as literal dollars
        notes["unbalanced $$ (shown literally)"] += 1
        parts = [*parts[:-2], parts[-2] + "\\$\\$" + parts[-1]]
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            math = " ".join(part.split())
            out.append(f"${math}$" if math else "")
        else:
            if _LITERAL_NEWLINE.search(part):
                notes["literal \\n line break made a paragraph break"] += 1
                part = _LITERAL_NEWLINE.sub("\n\n", part)
            part = part.replace("$", "\\$")
            # Text that reads as an HTML tag (`0<t and s>1`) is not allowed in our format;
            # a space after `<` keeps the meaning and stops it being a tag.
            if HTML_TAG.search(part):
                notes["'<' that looked like an HTML tag spaced out"] += 1
                part = HTML_TAG.sub(lambda m: m.group(0)[0] + " " + m.group(0)[1:], part)
            out.append(part)
    text = "".join(out)

    def figure(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in figures:
            return f"![{name}](figures/{pid}/{name})"
        notes["figure not in the pool (a note is shown instead)"] += 1
        return f"*[figure {name} is not available]*"

    return _FIGURE.sub(figure, text)


def _strip_math(answer: str) -> str:
    answer = str(answer).strip()
    if answer.startswith("$$") and answer.endswith("$$") and len(answer) > 4:
        answer = answer[2:-2].strip()
    return answer


_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$", re.S)


def _math_key(answer: str) -> str:
    """An arithmetic key with `$$` inside, as the checker reads it: the math of `$$550$$ nm`
    (a unit or label after it), or the text with its `$$` delimiters dropped."""
    answer = _strip_math(answer)
    spans = _MATH_SPAN.findall(answer)
    if not spans:
        return answer
    rest = _MATH_SPAN.sub(" ", answer).strip()
    if len(spans) == 1 and (not rest or re.fullmatch(r"[A-Za-z°% ]+", rest)):
        return spans[0].strip()
    return " ".join(_MATH_SPAN.sub(r" \1 ", answer).split())


def map_answer(
    item: dict, text_of, stats: Counter, where: str, failures: list[str]
) -> dict[str, Any] | None:
    """An OATutor step or scaffold's answer → our spec (None: cannot be mapped)."""
    answers = item.get("stepAnswer", item.get("hintAnswer")) or []
    answers = [a for a in answers if str(a).strip()]
    if not answers:
        stats["skipped: no answer given"] += 1
        return None
    if item.get("problemType") == "MultipleChoice":
        choices = [c for c in item.get("choices") or [] if str(c).strip()]
        if not choices:
            stats["multiple choice without choices → string answer"] += 1
            return {"kind": "string", "key": [str(a) for a in answers]}
        ids = [chr(ord("a") + i) if i < 26 else f"c{i}" for i in range(len(choices))]
        norm = {" ".join(str(c).split()): i for i, c in zip(ids, choices, strict=True)}
        key = [norm.get(" ".join(str(a).split())) for a in answers]
        if None in key:
            stats["skipped: multiple-choice answer not among the choices"] += 1
            failures.append(f"{where}: answer {answers!r} not among choices")
            return None
        return {
            "kind": "multiple_choice",
            "key": key,
            "options": {
                "choices": [
                    {"id": i, "text": text_of(str(c))} for i, c in zip(ids, choices, strict=True)
                ]
            },
        }
    keys = [_strip_math(a) for a in answers]
    if item.get("answerType") != "arithmetic":
        return {"kind": "string", "key": keys}
    stats["arithmetic answers checked"] += 1
    spec = {"kind": "expression", "key": keys}
    if not spec_problems(spec):
        return spec
    math_keys = [_math_key(a) for a in answers]
    for attempt in [keys] + ([math_keys] if math_keys != keys else []):
        for kind in ("expression", *_ARITHMETIC_FALLBACKS):
            # Only the kinds the key could be (the inequality check solves; it is slow to fail).
            if kind != "expression" and not _FALLBACK_SHAPES[kind](" ".join(attempt)):
                continue
            candidate = {"kind": kind, "key": attempt}
            if not spec_problems(candidate):
                if attempt is math_keys:
                    stats["arithmetic answers with $$ inside, read as math"] += 1
                stats[f"arithmetic answer read as {kind}"] += kind != "expression"
                return candidate
    stats["arithmetic answers that fail to parse (kept as exact strings)"] += 1
    failures.append(f"{where}: {keys!r}: {spec_problems(spec)[0]}")
    return {"kind": "string", "key": keys}


def _substitute(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_substitute(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, env) for k, v in value.items()}
    return value


def _variants(*scopes: dict) -> list[dict[str, str]]:
    """OATutor picks one value per variable; we make one problem per value index."""
    merged: dict[str, list] = {}
    for scope in scopes:
        for name, values in (scope or {}).items():
            if isinstance(values, list) and values:
                merged[name] = [str(v) for v in values]
    if not merged:
        return [{}]
    n = max(len(v) for v in merged.values())
    return [{k: v[i % len(v)] for k, v in merged.items()} for i in range(n)]


def _s(value: Any) -> str:
    """OATutor fields are sometimes NaN or missing where text is expected."""
    return value if isinstance(value, str) else ""


def _id_slug(identifier: str) -> str:
    """A slug from an OATutor id that stays unique: odd characters become their hex code
    (two step ids differ only by `|` and `}`)."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c in "-_") else f"-{ord(c):x}" for c in identifier
    )


def _slug(text: str, fallback: str) -> str:
    return (slugify(text)[:90].strip("-")) or fallback


def read_pool(root: Path, *, limit: int | None = None) -> tuple[list[RawPackage], dict[str, Any]]:
    """The whole pool as our packages (one per course) and the mapping report.

    `limit` maps only the first problems (by id): for quick checks against the real pool.
    """
    pool = _read_pool_files(root)
    # Keys that fail are counted and reported below; the checker's own traceback per key
    # would bury the report.
    checker_log = logging.getLogger("curriculum.answers")
    level = checker_log.level
    checker_log.setLevel(logging.CRITICAL)
    try:
        if limit is not None:
            keep = set(sorted(pool.problems)[:limit])
            pool.problems = {k: v for k, v in pool.problems.items() if k in keep}
        return _read_pool(root, pool)
    finally:
        checker_log.setLevel(level)


def _read_pool(root: Path, pool: _Pool) -> tuple[list[RawPackage], dict[str, Any]]:
    try:
        plans = json.loads((root / "coursePlans.json").read_text())
        skill_model = json.loads((root / "skillModel.json").read_text())
    except FileNotFoundError as exc:
        raise PackageError(
            [Issue("error", str(root), "", f"missing {Path(exc.filename).name}")]
        ) from None
    stats: Counter = Counter()
    notes: Counter = Counter()
    failures: list[str] = []
    # A lesson may belong to several courses (57 of the pool's lessons do): its problems are
    # then imported into each course, as OATutor shows them in each.
    lesson_courses: dict[str, set[str]] = defaultdict(set)
    for plan in plans:
        for lesson in plan.get("lessons", []):
            lesson_courses[lesson["id"]].add(plan["courseName"])

    # course name → lesson id → list of (problem id, step rows)
    by_course: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for pid in sorted(pool.problems):
        problem = pool.problems[pid]
        if not pool.steps.get(pid):
            stats["skipped: problem without steps"] += 1
            continue
        lesson_id = problem.get("lessonId", "")
        courses = sorted(lesson_courses.get(lesson_id, ()))
        if not courses:
            stats["problems whose lesson is not in coursePlans (kept, without a lesson)"] += 1
            courses, lesson_id = [_s(problem.get("courseName")) or "OATutor"], ""
        elif len(courses) > 1:
            stats["problems in lessons shared by several courses (imported into each)"] += 1
        for course in courses:
            by_course[course][lesson_id].append(pid)

    packages: list[RawPackage] = []
    mapped: dict[str, list[tuple[str, dict]]] = {}
    plan_by_name = {p["courseName"]: p for p in plans}
    used_slugs: set[str] = set()
    for course_name in sorted(by_course):
        plan = plan_by_name.get(course_name, {})
        slug = "oatutor-" + _slug(course_name, "course")
        while slug in used_slugs:
            slug += "-2"
        used_slugs.add(slug)
        # Every lesson of the plan becomes a unit, in plan order (even one whose skills were
        # all placed in an earlier lesson, or that has no problems: the outline stays whole).
        plan_lessons = {les["id"]: les for les in plan.get("lessons", [])}
        lesson_ids = list(plan_lessons)
        if "" in by_course[course_name]:
            lesson_ids.append("")
        # Skills: each goes to the first lesson (in plan order) that uses it.
        skill_unit: dict[str, str] = {}
        skill_problems: dict[str, list[dict]] = defaultdict(list)
        origins: dict[tuple, str] = {}
        files: dict[str, bytes] = {}
        for lid in lesson_ids:
            for pid in by_course[course_name][lid]:
                if pid in mapped:  # a shared lesson: the same problems, a copy per course
                    converted_all = copy.deepcopy(mapped[pid])
                else:
                    converted_all = mapped[pid] = _map_problem(
                        pid, pool, skill_model, stats, notes, failures
                    )
                for name, content in pool.figures.get(pid, {}).items():
                    files[f"figures/{pid}/{name}"] = content
                for skill_name, problem in converted_all:
                    skill_unit.setdefault(skill_name, lid)
                    skill_problems[skill_name].append(problem)
                    stats["problems placed in courses (ours: one per step and course)"] += 1
        units = []
        skill_slugs: dict[str, str] = {}
        for lid in lesson_ids:
            lesson = plan_lessons.get(lid, {"name": "Other problems"})
            skills = []
            for name, unit_id in skill_unit.items():
                if unit_id != lid:
                    continue
                sslug = _slug(name, "skill")
                base, n = sslug, 2
                while sslug in skill_slugs.values():
                    sslug, n = f"{base}-{n}", n + 1
                skill_slugs[name] = sslug
                skills.append(
                    {
                        "slug": sslug,
                        "name": name,
                        "extra": {"oatutor_skill": name},
                        "problems": skill_problems[name],
                    }
                )
            if not skills:
                if not lid:
                    continue  # the catch-all unit only when it holds something
                stats["lessons kept as units without skills of their own"] += 1
            extra = {
                k: lesson[k]
                for k in ("topics", "allowRecycle", "learningObjectives")
                if k in lesson
            }
            if lid:
                extra["oatutor_lesson"] = lid
            units.append(
                {
                    "slug": _id_slug(lid)[:100] if lid else "other",
                    "title": lesson["name"][:200],
                    "extra": extra,
                    "skills": skills,
                }
            )
        data = {
            "format": FORMAT,
            "course": {
                "slug": slug,
                "title": course_name[:200],
                "description": f"Imported from the OATutor content pool ({course_name}).",
                "attribution": ATTRIBUTION,
                "license": _s(plan.get("courseLicense"))[:200] or "CC BY 4.0",
                "source_url": _s(plan.get("courseOER"))[:500],
                "extra": {"oatutor_course": course_name, "language": _s(plan.get("language"))},
            },
            "units": units,
        }
        for ui, unit in enumerate(units):
            for si, skill in enumerate(unit["skills"]):
                for pi, problem in enumerate(skill["problems"]):
                    origins[("units", ui, "skills", si, "problems", pi)] = problem["extra"]["file"]
        packages.append(
            RawPackage(data, f"oatutor:{course_name}", _used_files(data, files), {}, origins)
        )
        stats["courses"] += 1
    report = {
        "oatutor_pool": {
            "problems in pool": len(pool.problems),
            "steps in pool": sum(len(s) for s in pool.steps.values()),
            **dict(sorted(stats.items())),
        },
        "oatutor_text_notes": dict(notes),
        "oatutor_answer_failure_reasons": _reasons(failures),
        "oatutor_answer_failures (first 20)": failures[:20],
    }
    return packages, report


def _reasons(failures: list[str]) -> dict[str, int]:
    """Failures grouped by the checker's message, with the specifics taken out."""
    counts: Counter = Counter()
    for failure in failures:
        message = failure.split(": ", 2)[-1]
        message = re.sub(r"key '.*?' ", "key ", message)
        message = re.sub(
            r"'[^']*'|\(at character \d+\)|\(position \d+\)|position \d+", "…", message
        )
        message = re.sub(r"We read your answer as .*", "We read your answer as …", message)
        counts[message.strip()[:120]] += 1
    return dict(counts.most_common(12))


def _used_files(data: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    text = json.dumps(data)
    return {path: content for path, content in files.items() if path in text}


def _with_task(answer: dict[str, Any], step: dict, problem: dict, stats: Counter) -> dict[str, Any]:
    """The answer spec with the task its step states ("Solve", "Simplify", "Factor", ...;
    else the problem's text), when the key itself is in that form."""
    if answer["kind"] in ("multiple_choice", "string"):
        return answer
    text = " ".join(_s(step.get(k, "")) for k in ("stepTitle", "stepBody"))
    task = infer_task(text) or infer_task(_s(problem.get("body", "")))
    if task is None:
        return answer
    candidate = {**answer, "options": {**answer.get("options", {}), "task": task}}
    if spec_problems(candidate):
        stats["task stated but the key is not in that form (task left out)"] += 1
        return answer
    stats[f"task inferred: {task}"] += 1
    return candidate


def _map_problem(pid, pool, skill_model, stats, notes, failures) -> list[tuple[str, dict]]:
    problem = pool.problems[pid]
    figures = pool.figures.get(pid, {})
    steps = sorted(pool.steps[pid].items())
    out = []
    stats["problems mapped"] += 1

    def text_of(value: str) -> str:
        return convert_text(value, figures, pid, notes)

    for part, (sid, step) in enumerate(steps, start=1):
        where = f"content-pool/{pid}/steps/{sid}/{sid}.json"
        pathway = pool.pathways.get(sid, [])
        skills = skill_model.get(sid) or []
        if not skills:
            stats["steps without a skill (put under 'unassigned')"] += 1
            skills = ["unassigned"]
        variants = _variants(problem.get("variabilization"), step.get("variabilization"))
        if len(variants) > 1:
            stats["variabilized steps"] += 1
        for vi, env in enumerate(variants, start=1):
            p = _substitute(problem, env) if env else problem
            s = _substitute(step, env) if env else step
            hints_in = _substitute(pathway, env) if env else pathway
            answer = map_answer(s, text_of, stats, where, failures)
            if answer is None:
                continue
            answer = _with_task(answer, s, p, stats)
            statement = "\n\n".join(
                text_of(t)
                for t in (p.get("body", ""), s.get("stepTitle", ""), s.get("stepBody", ""))
                if t and t.strip()
            )
            if not statement.strip():
                stats["skipped: step with no text"] += 1
                continue
            hints = [
                h for h in (_map_hint(h, text_of, stats, where, failures) for h in hints_in) if h
            ]
            slug = sid if len(variants) == 1 else f"{sid}-v{vi}"
            extra = {
                "oatutor_problem": pid,
                "part": part,
                "parts": len(steps),
                "lesson": problem.get("lessonId", ""),
                "file": where,
            }
            if len(skills) > 1:
                extra["skills"] = skills
            if env:
                extra["variables"] = env
            out.append(
                (
                    skills[0],
                    {
                        "slug": _id_slug(slug)[:100],
                        "title": text_of(p.get("title", ""))[:300],
                        "statement": statement,
                        "answer": answer,
                        "hints": hints,
                        "source": {
                            "id": sid,
                            "url": str(p.get("oer", ""))[:500],
                            "license": str(p.get("license", ""))[:200],
                        },
                        "extra": extra,
                    },
                )
            )
            stats["steps mapped (our problems, before placing in courses)"] += 1
    return out


def _map_hint(hint: dict, text_of, stats: Counter, where: str, failures: list[str]) -> Any:
    text = text_of(hint.get("text", ""))
    title = text_of(hint.get("title", ""))[:300]
    if not text.strip():
        if not title.strip():
            stats["skipped: empty hint"] += 1
            return None
        text, title = title, ""
    out: dict[str, Any] = {"text": text}
    if title:
        out["title"] = title
    if hint.get("id"):
        out["source_id"] = str(hint["id"])[:100]
    if hint.get("type") == "scaffold":
        answer = map_answer(hint, text_of, stats, f"{where} hint {hint.get('id')}", failures)
        if answer is None:
            stats["scaffolds without a usable answer (kept as hints)"] += 1
        else:
            out["answer"] = answer
            sub = [
                h
                for h in (
                    _map_hint(s, text_of, stats, where, failures)
                    for s in hint.get("subHints") or []
                )
                if h
            ]
            if sub:
                out["hints"] = sub
        stats["scaffolds mapped"] += 1
    else:
        stats["hints mapped"] += 1
    return out
