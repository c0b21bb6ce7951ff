"""Writing validated courses: atomic, update in place by slug, retire what was removed.

`plan_changes` compares a `CoursePlan` with what is loaded (reads only: the dry-run report);
`import_plans` applies every plan in one transaction and records a `CurriculumVersion` per
course that changed. Problems are matched by slug within their course (they may move between
skills); removed units, skills, templates, problems and hints with history are retired
(`is_active = False`), never deleted, so attempts and hint reveals stay linked.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from curriculum.models import (
    Course,
    CurriculumVersion,
    Figure,
    Hint,
    Problem,
    ProblemTemplate,
    Skill,
    Unit,
)
from curriculum.package import figure_type
from curriculum.validation import CoursePlan

FIGURE_URL_PREFIX = "/curriculum/figures/"
_IMAGE_PATH = re.compile(r"(!\[[^\]]*\]\(\s*<?)([^)\s>]+)")
BATCH = 500
_SOURCE_NAME_LENGTH = CurriculumVersion._meta.get_field("source_name").max_length
RETIRED_HINT_ORDER = 100_000  # retired hints move out of the way of the (problem, order) key

Progress = Callable[[int, int, str], None]


def figure_url(course_slug: str, path: str) -> str:
    return f"{FIGURE_URL_PREFIX}{course_slug}/{path}"


def link_figures(text: str, course_slug: str, figures: dict[str, bytes] | set[str]) -> str:
    """Package-relative image paths → the URL that serves them (export reverses this)."""
    if "![" not in text:
        return text
    return _IMAGE_PATH.sub(
        lambda m: (
            m.group(1)
            + (figure_url(course_slug, m.group(2)) if m.group(2) in figures else m.group(2))
        ),
        text,
    )


def unlink_figures(text: str, course_slug: str) -> str:
    prefix = figure_url(course_slug, "")
    if prefix not in text:
        return text
    return _IMAGE_PATH.sub(
        lambda m: (
            m.group(1)
            + (m.group(2)[len(prefix) :] if m.group(2).startswith(prefix) else m.group(2))
        ),
        text,
    )


@dataclass
class Changes:
    """What an import does (or would do) to one course, per kind of item."""

    course: str
    new_course: bool = False
    unchanged_package: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(
            lambda: {"create": 0, "update": 0, "retire": 0, "unchanged": 0}
        )
    )
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def note(self, kind: str, action: str, label: str = "", n: int = 1) -> None:
        self.counts[kind][action] += n
        if label and action != "unchanged" and len(self.examples[f"{kind} {action}"]) < 10:
            self.examples[f"{kind} {action}"].append(label)

    @property
    def any(self) -> bool:
        return self.new_course or any(
            c[a] for c in self.counts.values() for a in ("create", "update", "retire")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "new_course": self.new_course,
            "unchanged_package": self.unchanged_package,
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "examples": dict(self.examples),
        }


_PROBLEM_FIELDS = (
    "order",
    "title",
    "statement",
    "answer_spec",
    "difficulty",
    "solution",
    "source_id",
    "source_url",
    "license",
    "extra",
    "params",
)
_HINT_FIELDS = ("text", "kind", "title", "answer_spec", "subhints", "source_id")


def _problem_values(
    p: dict[str, Any], course_slug: str, figures: dict[str, bytes]
) -> dict[str, Any]:
    values = {name: p[name] for name in _PROBLEM_FIELDS}
    values["statement"] = link_figures(p["statement"], course_slug, figures)
    values["solution"] = link_figures(p["solution"], course_slug, figures)
    return values


def _hint_values(h: dict[str, Any], course_slug: str, figures: dict[str, bytes]) -> dict[str, Any]:
    values = {name: h[name] for name in _HINT_FIELDS}
    values["text"] = link_figures(h["text"], course_slug, figures)
    return values


def _differs(obj: Any, values: dict[str, Any]) -> bool:
    return any(getattr(obj, k) != v for k, v in values.items())


class _Writer:
    """Plans (dry_run) or applies the changes for one course; the same code does both so the
    dry-run report cannot drift from what an import does."""

    def __init__(self, plan: CoursePlan, *, dry_run: bool, progress: Progress | None):
        self.plan = plan
        self.dry_run = dry_run
        self.progress = progress or (lambda done, total, stage: None)
        self.changes = Changes(plan.course["slug"])
        self.slug = plan.course["slug"]

    def run(self, user: Any = None, source_name: str = "") -> Changes:
        plan = self.plan
        course = Course.objects.filter(slug=self.slug).first()
        latest = course.versions.first() if course else None
        if latest and latest.content_hash == plan.content_hash:
            self.changes.unchanged_package = True
        if course is None:
            self.changes.new_course = True
            if self.dry_run:
                self._count_new()
                return self.changes
            course = Course(slug=self.slug)
        course_values = dict(plan.course, source_format=plan.source_format)
        if course.pk is None or _differs(course, course_values):
            if course.pk is not None:
                self.changes.note("course", "update", self.slug)
            if not self.dry_run:
                for k, v in course_values.items():
                    setattr(course, k, v)
                course.save()
        self.course = course
        total = len(plan.problems) + 1
        self.progress(0, total, "units and skills")
        units = self._sync_simple(
            Unit,
            Unit.all_objects.filter(course=course),
            plan.units,
            "unit",
            lambda u: {
                "title": u["title"],
                "description": u["description"],
                "order": u["order"],
                "extra": u["extra"],
            },
            lambda u: {"course": course},
        )
        skills = self._sync_simple(
            Skill,
            Skill.all_objects.filter(course=course),
            plan.skills,
            "skill",
            lambda s: {
                "name": s["name"],
                "description": s["description"],
                "order": s["order"],
                "extra": s["extra"],
                "unit_id": units[s["unit"]].pk if units.get(s["unit"]) else None,
            },
            lambda s: {"course": course},
        )
        self._sync_prerequisites(skills)
        templates = self._sync_templates(skills)
        self._sync_problems(skills, templates, total)
        self._sync_figures()
        if not self.dry_run and self.changes.any:
            number = (course.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            self.version = CurriculumVersion.objects.create(
                course=course,
                number=number,
                content_hash=plan.content_hash,
                source_format=plan.source_format,
                source_name=source_name[:_SOURCE_NAME_LENGTH],
                created_by=user if getattr(user, "pk", None) else None,
                changes=self.changes.to_dict(),
            )
        self.progress(total, total, "done")
        return self.changes

    def _count_new(self) -> None:
        plan = self.plan
        self.changes.note("unit", "create", n=len(plan.units))
        self.changes.note("skill", "create", n=len(plan.skills))
        self.changes.note("template", "create", n=len(plan.templates))
        self.changes.note("problem", "create", n=len(plan.problems))
        self.changes.note("hint", "create", n=sum(len(p["hints"]) for p in plan.problems))
        self.changes.note("figure", "create", n=len(plan.figures))

    def _sync_simple(
        self, model, existing_qs, items, kind, values_of, new_kwargs
    ) -> dict[str, Any]:
        existing = {obj.slug: obj for obj in existing_qs}
        by_slug: dict[str, Any] = {}
        to_create, to_update = [], []
        for item in items:
            values = dict(values_of(item), is_active=True)
            obj = existing.get(item["slug"])
            if obj is None:
                obj = model(slug=item["slug"], **new_kwargs(item), **values)
                to_create.append(obj)
                self.changes.note(kind, "create", item["slug"])
            elif _differs(obj, values):
                for k, v in values.items():
                    setattr(obj, k, v)
                to_update.append(obj)
                self.changes.note(kind, "update", item["slug"])
            else:
                self.changes.note(kind, "unchanged")
            by_slug[item["slug"]] = obj
        to_retire = [o for slug, o in existing.items() if slug not in by_slug and o.is_active]
        for obj in to_retire:
            obj.is_active = False
            self.changes.note(kind, "retire", obj.slug)
        if not self.dry_run:
            model.objects.bulk_create(to_create, batch_size=BATCH)
            fields = list(values_of(items[0]).keys()) + ["is_active"] if items else ["is_active"]
            if to_update:
                model.all_objects.bulk_update(to_update, fields, batch_size=BATCH)
            if to_retire:
                model.all_objects.bulk_update(to_retire, ["is_active"], batch_size=BATCH)
        return by_slug

    def _sync_prerequisites(self, skills: dict[str, Skill]) -> None:
        through = Skill.prerequisites.through
        # In package order, so that an export lists them as written.
        wanted = [(s["slug"], pre) for s in self.plan.skills for pre in s["prerequisites"]]
        current: list[tuple[str, str]] = []
        if self.course.pk:
            current = list(
                through.objects.filter(from_skill__course=self.course)
                .order_by("id")
                .values_list("from_skill__slug", "to_skill__slug")
            )
        if wanted == current:
            return
        added, removed = set(wanted) - set(current), set(current) - set(wanted)
        self.changes.note("prerequisite", "create", n=len(added))
        self.changes.note("prerequisite", "retire", n=len(removed))
        if not added and not removed:
            self.changes.note("prerequisite", "update", "order")
        if self.dry_run:
            return
        through.objects.filter(from_skill__course=self.course).delete()
        through.objects.bulk_create(
            [through(from_skill_id=skills[a].pk, to_skill_id=skills[b].pk) for a, b in wanted]
        )

    def _sync_templates(self, skills: dict[str, Skill]) -> dict[str, ProblemTemplate]:
        existing = (
            {t.slug: t for t in ProblemTemplate.all_objects.filter(skill__course=self.course)}
            if self.course.pk
            else {}
        )
        out: dict[str, ProblemTemplate] = {}
        to_create, to_update = [], []
        for t in self.plan.templates:
            values = {
                "skill": skills[t["skill"]],
                "order": t["order"],
                "definition": t["definition"],
                "is_active": True,
            }
            obj = existing.get(t["slug"])
            if obj is None:
                obj = ProblemTemplate(slug=t["slug"], **values)
                to_create.append(obj)
                self.changes.note("template", "create", t["slug"])
            elif (
                obj.skill_id != values["skill"].pk
                or obj.order != t["order"]
                or obj.definition != t["definition"]
                or not obj.is_active
            ):
                for k, v in values.items():
                    setattr(obj, k, v)
                to_update.append(obj)
                self.changes.note("template", "update", t["slug"])
            else:
                self.changes.note("template", "unchanged")
            out[t["slug"]] = obj
        to_retire = [o for s, o in existing.items() if s not in out and o.is_active]
        for obj in to_retire:
            obj.is_active = False
            self.changes.note("template", "retire", obj.slug)
        if not self.dry_run:
            ProblemTemplate.objects.bulk_create(to_create, batch_size=BATCH)
            ProblemTemplate.all_objects.bulk_update(
                to_update + to_retire,
                ["skill", "order", "definition", "is_active"],
                batch_size=BATCH,
            )
        return out

    def _sync_problems(
        self, skills: dict[str, Skill], templates: dict[str, ProblemTemplate], total: int
    ) -> None:
        course_slug, figures = self.slug, self.plan.figures
        existing = (
            {p.slug: p for p in Problem.objects.filter(skill__course=self.course)}
            if self.course.pk
            else {}
        )
        hints_of: dict[int, list[Hint]] = defaultdict(list)
        if existing:
            for h in Hint.all_objects.filter(problem__skill__course=self.course).order_by("order"):
                hints_of[h.problem_id].append(h)
        seen: set[str] = set()
        new_problems: list[tuple[Problem, list[dict]]] = []
        to_update: list[Problem] = []
        hint_create: list[Hint] = []
        hint_update: list[Hint] = []
        hint_retire: list[Hint] = []
        hint_delete: list[int] = []
        revealed: set[int] = set()
        if existing:
            # Hints a learner has seen (the reveal log) are retired, never deleted.
            revealed = set(
                Hint.all_objects.filter(
                    problem__skill__course=self.course, reveals__isnull=False
                ).values_list("pk", flat=True)
            )
        for index, p in enumerate(self.plan.problems):
            seen.add(p["slug"])
            values = _problem_values(p, course_slug, figures)
            values["skill"] = skills[p["skill"]]
            values["template"] = templates.get(p["template"]) if p["template"] else None
            values["is_active"] = True
            obj = existing.get(p["slug"])
            if obj is None:
                new_problems.append((Problem(slug=p["slug"], **values), p["hints"]))
                self.changes.note("problem", "create", p["slug"])
                self.changes.note("hint", "create", n=len(p["hints"]))
            else:
                compare = dict(values, skill=None, template=None)
                compare.pop("skill")
                compare.pop("template")
                changed = (
                    _differs(obj, compare)
                    or obj.skill_id != values["skill"].pk
                    or obj.template_id != (values["template"].pk if values["template"] else None)
                )
                if changed:
                    for k, v in values.items():
                        setattr(obj, k, v)
                    to_update.append(obj)
                    self.changes.note("problem", "update", p["slug"])
                else:
                    self.changes.note("problem", "unchanged")
                self._diff_hints(
                    obj,
                    p["hints"],
                    hints_of.get(obj.pk, []),
                    revealed,
                    hint_create,
                    hint_update,
                    hint_retire,
                    hint_delete,
                )
            if index % 1000 == 0:
                self.progress(index, total, "problems")
        to_retire = [o for slug, o in existing.items() if slug not in seen and o.is_active]
        for obj in to_retire:
            obj.is_active = False
            self.changes.note("problem", "retire", obj.slug)
        if self.dry_run:
            return
        fields = [*_PROBLEM_FIELDS, "skill", "template", "is_active"]
        done = 0
        for start in range(0, len(new_problems), BATCH):
            chunk = new_problems[start : start + BATCH]
            Problem.objects.bulk_create([obj for obj, _ in chunk])
            hints = [
                Hint(problem=obj, order=i, **_hint_values(h, course_slug, figures))
                for obj, hs in chunk
                for i, h in enumerate(hs)
            ]
            Hint.objects.bulk_create(hints, batch_size=BATCH)
            done += len(chunk)
            self.progress(done, total, "writing problems")
        Problem.objects.bulk_update(to_update, fields, batch_size=BATCH)
        Problem.objects.bulk_update(to_retire, ["is_active"], batch_size=BATCH)
        Hint.objects.filter(pk__in=hint_delete).delete()
        Hint.all_objects.bulk_update(hint_retire, ["is_active", "order"], batch_size=BATCH)
        Hint.all_objects.bulk_update(hint_update, [*_HINT_FIELDS, "is_active"], batch_size=BATCH)
        Hint.objects.bulk_create(hint_create, batch_size=BATCH)

    def _diff_hints(
        self, problem, wanted, current, revealed, create, update, retire, delete
    ) -> None:
        active = [h for h in current if h.order < RETIRED_HINT_ORDER]
        for i, h in enumerate(wanted):
            values = dict(_hint_values(h, self.slug, self.plan.figures), is_active=True)
            if i < len(active):
                obj = active[i]
                if _differs(obj, values):
                    for k, v in values.items():
                        setattr(obj, k, v)
                    update.append(obj)
                    self.changes.note("hint", "update", f"{problem.slug} #{i + 1}")
                else:
                    self.changes.note("hint", "unchanged")
            else:
                create.append(Hint(problem=problem, order=i, **values))
                self.changes.note("hint", "create", f"{problem.slug} #{i + 1}")
        surplus = active[len(wanted) :]
        next_slot = max([h.order for h in current] + [RETIRED_HINT_ORDER - 1]) + 1
        for obj in surplus:
            self.changes.note("hint", "retire", f"{problem.slug} #{obj.order + 1}")
            if obj.pk in revealed:
                # Seen by a learner: keep it (and its reveal log), hidden.
                obj.is_active = False
                obj.order = next_slot
                next_slot += 1
                retire.append(obj)
            else:
                delete.append(obj.pk)

    def _sync_figures(self) -> None:
        existing = (
            {f.path: f for f in Figure.objects.filter(course=self.course)} if self.course.pk else {}
        )
        for path, content in self.plan.figures.items():
            digest = hashlib.sha256(content).hexdigest()
            obj = existing.get(path)
            if obj is not None and obj.sha256 == digest:
                self.changes.note("figure", "unchanged")
                continue
            self.changes.note("figure", "create" if obj is None else "update", path)
            if not self.dry_run:
                Figure.objects.update_or_create(
                    course=self.course,
                    path=path,
                    defaults={
                        "content": content,
                        "content_type": figure_type(path) or "application/octet-stream",
                        "sha256": digest,
                    },
                )
        removed = [p for p in existing if p not in self.plan.figures]
        for path in removed:
            self.changes.note("figure", "retire", path)
        if removed and not self.dry_run:
            Figure.objects.filter(course=self.course, path__in=removed).delete()


@dataclass
class ImportOutcome:
    changes: list[Changes]
    versions: list[CurriculumVersion]


def plan_changes(plans: list[CoursePlan]) -> list[Changes]:
    """What importing these plans would change (reads only)."""
    return [_Writer(plan, dry_run=True, progress=None).run() for plan in plans]


def import_plans(
    plans: list[CoursePlan],
    *,
    user: Any = None,
    source_name: str = "",
    progress: Progress | None = None,
) -> ImportOutcome:
    """Apply validated plans in one transaction (all courses or none)."""
    total = sum(len(p.problems) + 1 for p in plans) or 1
    offset = 0
    changes, versions = [], []

    with transaction.atomic():
        for plan in plans:
            base = offset

            def report(
                done: int,
                _total: int,
                stage: str,
                base: int = base,
                slug: str = plan.course["slug"],
            ) -> None:
                if progress:
                    progress(base + done, total, f"{slug}: {stage}")

            writer = _Writer(plan, dry_run=False, progress=report)
            changes.append(writer.run(user=user, source_name=source_name))
            if getattr(writer, "version", None):
                versions.append(writer.version)
            offset += len(plan.problems) + 1
    return ImportOutcome(changes, versions)
