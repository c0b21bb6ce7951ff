"""Loading our format: validation, atomic import, update in place, retirement, versions."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from curriculum.models import Course, CurriculumVersion, Figure, Hint, Problem, Skill, Unit
from curriculum.services import load_curriculum
from tests.curriculum.conftest import MINI, as_yaml, package_dir
from tutor.models import Attempt, HintReveal, User

pytestmark = pytest.mark.django_db


def test_dry_run_reports_and_writes_nothing():
    report = load_curriculum(MINI, dry_run=True)
    assert report.ok, report.errors
    assert report.counts["problems"] == 24  # 4 written + 20 from the template
    assert report.changes[0]["new_course"] is True
    assert report.changes[0]["counts"]["problem"]["create"] == 24
    assert not Course.objects.filter(slug="mini-algebra").exists()


def test_import_builds_the_whole_course():
    report = load_curriculum(MINI)
    assert report.ok and report.imported
    course = Course.objects.get(slug="mini-algebra")
    assert course.attribution == "Written for the tutor's tests."
    assert [u.slug for u in course.units.all()] == ["numbers", "equations"]
    linear = Skill.objects.get(course=course, slug="linear")
    assert [s.slug for s in linear.prerequisites.all()] == ["multiplying"]
    assert linear.unit.slug == "equations"
    add1 = Problem.objects.get(skill__course=course, slug="add-1")
    hints = list(add1.hints.all())
    assert [h.kind for h in hints] == ["hint", "scaffold"]
    assert hints[1].answer_spec == {"kind": "number", "key": ["0"]}
    assert hints[1].subhints == ["Opposites add to zero."]
    # Figures are stored and the statement points at the URL that serves them.
    add2 = Problem.objects.get(skill__course=course, slug="add-2")
    assert "/curriculum/figures/mini-algebra/figures/line.png" in add2.statement
    assert Figure.objects.get(course=course).content.startswith(b"\x89PNG")
    # Template instances are ordinary problems that remember their variables.
    times = Problem.objects.filter(skill__slug="multiplying", skill__course=course)
    assert times.count() == 20
    first = times.order_by("order").first()
    assert first.template.slug == "times" and set(first.params) == {"a", "b", "p"}
    assert first.answer_spec["key"] == [first.params["p"]]
    version = CurriculumVersion.objects.get(course=course)
    assert version.number == 1 and len(version.content_hash) == 64


def test_reimport_is_idempotent():
    load_curriculum(MINI)
    again = load_curriculum(MINI)
    assert again.ok
    change = again.changes[0]
    assert change["unchanged_package"] is True
    assert all(
        c.get("create", 0) == c.get("update", 0) == c.get("retire", 0) == 0
        for c in change["counts"].values()
    )
    assert CurriculumVersion.objects.count() == 1  # nothing changed, no new version


def test_edited_package_updates_in_place_and_retires(mini_data, student, tmp_path):
    load_curriculum(MINI)
    course = Course.objects.get(slug="mini-algebra")
    add1 = Problem.objects.get(skill__course=course, slug="add-1")
    lin1 = Problem.objects.get(skill__course=course, slug="lin-1")
    second_hint = add1.hints.get(order=1)
    Attempt.objects.create(
        learner=student, problem=lin1, raw_input="4", verdict="correct", feedback_code="correct"
    )
    HintReveal.objects.create(learner=student, hint=second_hint, problem=add1)

    equations = mini_data["units"][1]["skills"][0]
    equations["problems"] = [p for p in equations["problems"] if p["slug"] != "lin-1"]  # removed
    numbers = mini_data["units"][0]["skills"][0]
    numbers["problems"][0]["statement"] = "Compute $-8 + 12$."
    numbers["problems"][0]["answer"] = {"kind": "number", "key": ["4"]}
    numbers["problems"][0]["hints"] = ["Start at $-8$."]  # the scaffold is dropped
    mini_data["units"][0]["skills"].append({"slug": "new-skill", "name": "A new skill"})
    admin = User.objects.get(username="demo-admin")

    report = load_curriculum(package_dir(tmp_path, mini_data), user=admin)
    assert report.ok and report.imported, report.errors
    counts = report.changes[0]["counts"]
    # add-1 was edited; lin-choice moved up to first place in its skill.
    assert report.changes[0]["examples"]["problem update"] == ["add-1", "lin-choice"]
    assert report.changes[0]["examples"]["problem retire"] == ["lin-1"]
    assert counts["skill"]["create"] == 1
    assert counts["hint"]["retire"] == 1

    add1.refresh_from_db()
    assert (
        add1.statement == "Compute $-8 + 12$." and add1.pk == Problem.objects.get(slug="add-1").pk
    )
    # The removed problem with attempts is hidden, not deleted; its attempt still points at it.
    lin1.refresh_from_db()
    assert lin1.is_active is False
    assert Attempt.objects.get(problem=lin1).verdict == "correct"
    # The revealed scaffold is retired with its reveal kept, and no longer shown.
    assert [h.text for h in add1.hints.all()] == ["Start at $-8$."]
    retired = Hint.all_objects.get(pk=second_hint.pk)
    assert retired.is_active is False and HintReveal.objects.filter(hint=retired).exists()
    v2 = CurriculumVersion.objects.get(course=course, number=2)
    assert v2.created_by == admin and v2.changes["counts"]["problem"]["retire"] == 1

    # Putting it back re-activates the same row.
    load_curriculum(MINI)
    lin1.refresh_from_db()
    assert lin1.is_active is True
    assert not Skill.objects.filter(course=course, slug="new-skill").exists()
    assert Skill.all_objects.get(course=course, slug="new-skill").is_active is False
    assert CurriculumVersion.objects.filter(course=course).count() == 3


def test_problem_moving_between_skills_keeps_its_row(mini_data, tmp_path):
    load_curriculum(MINI)
    moved = Problem.objects.get(slug="add-2")
    problem = mini_data["units"][0]["skills"][0]["problems"].pop(1)
    mini_data["units"][1]["skills"][0]["problems"].append(problem)
    assert load_curriculum(package_dir(tmp_path, mini_data)).imported
    again = Problem.objects.get(slug="add-2")
    assert again.pk == moved.pk and again.skill.slug == "linear"


def test_command_dry_run_and_import(capsys):
    call_command("load_curriculum", str(MINI), "--dry-run")
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "24 problems" in out and "result: valid" in out
    assert not Course.objects.exists()
    call_command("load_curriculum", str(MINI))
    assert "result: imported" in capsys.readouterr().out
    assert Unit.objects.filter(course__slug="mini-algebra").count() == 2


def test_command_fails_on_errors(tmp_path, mini_data):
    mini_data["units"][0]["skills"][0]["problems"][0]["answer"]["key"] = "2 +* 3"
    bad = tmp_path / "course.yaml"
    bad.write_bytes(as_yaml(mini_data))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_curriculum", str(bad))
    assert not Course.objects.exists()


def test_units_skills_and_prerequisites_load_in_order():
    load_curriculum(MINI)
    course = Course.objects.get(slug="mini-algebra")
    names = [
        (u.slug, [(s.slug, [p.slug for p in s.prerequisites.all()]) for s in u.skills.all()])
        for u in course.units.all()
    ]
    assert names == [
        ("numbers", [("adding", []), ("multiplying", ["adding"])]),
        ("equations", [("linear", ["multiplying"])]),
    ]


def test_a_json_package_loads_the_same(mini_data, tmp_path, capsys):
    import json

    folder = package_dir(tmp_path, mini_data)
    (folder / "course.yaml").unlink()
    (folder / "course.json").write_text(json.dumps(mini_data))
    call_command("load_curriculum", str(folder), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] and report["counts"]["problems"] == 24
    assert report["changes"][0]["counts"]["problem"]["create"] == 24
