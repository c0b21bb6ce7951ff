"""Export a loaded course back to our package format (the canonical form of `normalize`).

export(import(package)) == normalize(package): tests/curriculum/test_export.py.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from typing import Any

import yaml

from curriculum.importer import unlink_figures
from curriculum.models import Course, Figure, Hint, Problem, ProblemTemplate, Skill, Unit
from curriculum.validation import FORMAT, normalize


def _hint(h: Hint, slug: str) -> Any:
    out: dict[str, Any] = {"text": unlink_figures(h.text, slug)}
    if h.title:
        out["title"] = h.title
    if h.source_id:
        out["source_id"] = h.source_id
    if h.kind == Hint.Kind.BOTTOM_OUT:
        out["bottom_out"] = True
    if h.kind == Hint.Kind.SCAFFOLD and h.answer_spec:
        out["answer"] = h.answer_spec
        if h.subhints:
            out["hints"] = h.subhints
    return out


def _authored_spec(spec: dict[str, Any], statement: str) -> dict[str, Any]:
    """The spec as its author wrote it: without the ``given`` the loader derived from the
    statement (loading the export derives it again)."""
    options = spec.get("options") or {}
    if "given" not in options:
        return spec
    from curriculum.answers.statements import with_given

    bare = {**spec, "options": {k: v for k, v in options.items() if k != "given"}}
    if not bare["options"]:
        del bare["options"]
    if with_given(bare, statement) == spec:
        return bare
    return spec


def export_course(course: Course) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The package of a loaded course (active items only) and its figures."""
    slug = course.slug
    hints: dict[int, list[Hint]] = defaultdict(list)
    for h in Hint.objects.filter(problem__skill__course=course, problem__is_active=True).order_by(
        "problem_id", "order"
    ):
        hints[h.problem_id].append(h)
    problems: dict[int, list[Problem]] = defaultdict(list)
    for p in Problem.objects.filter(
        skill__course=course, is_active=True, template__isnull=True
    ).order_by("order", "id"):
        problems[p.skill_id].append(p)
    templates: dict[int, list[ProblemTemplate]] = defaultdict(list)
    for t in ProblemTemplate.objects.filter(skill__course=course).order_by("order", "id"):
        templates[t.skill_id].append(t)
    prerequisites: dict[int, list[str]] = defaultdict(list)
    through = Skill.prerequisites.through
    for from_id, to_slug in (
        through.objects.filter(from_skill__course=course)
        .order_by("id")
        .values_list("from_skill_id", "to_skill__slug")
    ):
        prerequisites[from_id].append(to_slug)

    def problem_dict(p: Problem) -> dict[str, Any]:
        out: dict[str, Any] = {
            "slug": p.slug,
            "title": p.title,
            "statement": unlink_figures(p.statement, slug),
            "answer": _authored_spec(p.answer_spec, p.statement),
            "difficulty": p.difficulty,
            "hints": [_hint(h, slug) for h in hints[p.pk]],
            "solution": unlink_figures(p.solution, slug),
            "source": {"id": p.source_id, "url": p.source_url, "license": p.license},
            "extra": p.extra,
        }
        if not any(out["source"].values()):
            del out["source"]
        return out

    def skill_dict(s: Skill) -> dict[str, Any]:
        return {
            "slug": s.slug,
            "name": s.name,
            "description": s.description,
            "prerequisites": prerequisites[s.pk],
            "extra": s.extra,
            "problems": [problem_dict(p) for p in problems[s.pk]],
            "templates": [t.definition for t in templates[s.pk]],
        }

    skills_by_unit: dict[int | None, list[Skill]] = defaultdict(list)
    for s in Skill.objects.filter(course=course).order_by("order", "id"):
        skills_by_unit[s.unit_id].append(s)
    units = [
        {
            "slug": u.slug,
            "title": u.title,
            "description": u.description,
            "extra": u.extra,
            "skills": [skill_dict(s) for s in skills_by_unit[u.pk]],
        }
        for u in Unit.objects.filter(course=course).order_by("order", "id")
    ]
    if skills_by_unit.get(None):  # skills made outside a package (e.g. seed_demo)
        units.append(
            {
                "slug": "skills",
                "title": "Skills",
                "skills": [skill_dict(s) for s in skills_by_unit[None]],
            }
        )
    package = {
        "format": FORMAT,
        "course": {
            "slug": course.slug,
            "title": course.title,
            "description": course.description,
            "published": course.is_published,
            "attribution": course.attribution,
            "license": course.license,
            "source_url": course.source_url,
            "extra": course.extra,
        },
        "units": units,
    }
    figures = {f.path: bytes(f.content) for f in Figure.objects.filter(course=course)}
    return normalize(package), figures


def dump_yaml(package: dict[str, Any]) -> str:
    return yaml.safe_dump(package, sort_keys=False, allow_unicode=True, width=100)


def export_bytes(course: Course) -> tuple[str, bytes, str]:
    """(filename, content, content type): a YAML file, or a zip when there are figures."""
    package, figures = export_course(course)
    text = dump_yaml(package).encode()
    if not figures:
        return f"{course.slug}.yaml", text, "application/yaml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{course.slug}/course.yaml", text)
        for path, content in sorted(figures.items()):
            archive.writestr(f"{course.slug}/{path}", content)
    return f"{course.slug}.zip", buffer.getvalue(), "application/zip"
