"""Bad packages: each gives a precise report (file, location, line) and changes nothing."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from curriculum import package
from curriculum.services import load_curriculum
from tests.curriculum.conftest import MINI, as_yaml, package_dir, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    """The mini course is loaded, so "unchanged" means more than "still empty"."""
    assert load_curriculum(MINI).imported
    return snapshot()


def rejected(source, loaded, **kwargs):
    report = load_curriculum(source, **kwargs)
    assert not report.ok and not report.imported
    assert snapshot() == loaded, "a rejected package must leave the database unchanged"
    return report.errors


def test_invalid_yaml_names_the_line(loaded):
    text = (MINI / "course.yaml").read_text().replace("title: Numbers", "title: [Numbers")
    errors = rejected(text.encode(), loaded, filename="course.yaml")
    assert len(errors) == 1
    assert errors[0].file == "course.yaml" and errors[0].line is not None
    assert "invalid YAML" in errors[0].message


def test_invalid_json(loaded):
    errors = rejected(b'{"format": "tutor-curriculum/1",', loaded, filename="course.json")
    assert "invalid JSON" in errors[0].message and errors[0].line == 1


def test_duplicate_keys_and_aliases_are_refused(loaded):
    text = (MINI / "course.yaml").read_text()
    text = text.replace("  title: Mini algebra\n", "  title: Mini algebra\n  title: Again\n")
    errors = rejected(text.encode(), loaded, filename="course.yaml")
    assert "duplicate key 'title'" in errors[0].message and errors[0].line == 5
    aliased = b"format: tutor-curriculum/1\ncourse: &c {slug: a, title: A}\nunits: [*c]\n"
    errors = rejected(aliased, loaded, filename="course.yaml")
    assert "aliases" in errors[0].message


def test_schema_errors_have_locations_and_lines(mini_data, loaded):
    problem = mini_data["units"][0]["skills"][0]["problems"][1]
    del problem["statement"]
    mini_data["units"][1]["skills"][0]["problems"][0]["answer"]["kind"] = "essay"
    mini_data["course"]["colour"] = "blue"
    errors = rejected(as_yaml(mini_data), loaded, filename="course.yaml")
    by_location = {e.location: e for e in errors}
    assert (
        "'statement' is a required property"
        in by_location["units[0].skills[0].problems[1]"].message
    )
    assert (
        "'essay' is not one of" in by_location["units[1].skills[0].problems[0].answer.kind"].message
    )
    assert "'colour' was unexpected" in by_location["course"].message
    assert all(e.line for e in errors)


def test_answer_key_that_does_not_parse(mini_data, loaded):
    mini_data["units"][0]["skills"][0]["problems"][0]["answer"]["key"] = ["5 +* 2"]
    errors = rejected(as_yaml(mini_data), loaded, filename="course.yaml")
    assert len(errors) == 2  # the problem, and the now-missing figure of the bytes upload
    error = next(e for e in errors if "answer" in e.location)
    assert error.location == "units[0].skills[0].problems[0].answer"
    assert "key '5 +* 2' could not be read" in error.message


def test_answer_key_that_fails_its_own_spec(mini_data, loaded, tmp_path):
    mini_data["units"][1]["skills"][0]["problems"][0]["answer"] = {
        "kind": "number",
        "key": ["2/4"],
        "options": {"form": "lowest_terms"},
    }
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert [e.location for e in errors] == ["units[1].skills[0].problems[0].answer"]
    assert "does not satisfy its own spec" in errors[0].message


def test_scaffold_answer_is_checked_too(mini_data, loaded, tmp_path):
    scaffold = mini_data["units"][0]["skills"][0]["problems"][0]["hints"][1]
    scaffold["answer"] = {"kind": "number", "key": ["x +"]}
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert errors[0].location == "units[0].skills[0].problems[0].hints[1].answer"


def test_cyclic_prerequisites(mini_data, loaded, tmp_path):
    mini_data["units"][0]["skills"][0]["prerequisites"] = [
        "linear"
    ]  # adding → linear → multiplying → adding
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert len(errors) == 1
    assert "cyclic prerequisites: adding → linear → multiplying → adding" in errors[0].message
    assert errors[0].location == "units[0].skills[0].prerequisites"


def test_unknown_prerequisite_and_duplicate_slugs(mini_data, loaded, tmp_path):
    mini_data["units"][1]["skills"][0]["prerequisites"] = ["division"]
    mini_data["units"][1]["skills"][0]["problems"][1]["slug"] = "add-1"
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    messages = [e.message for e in errors]
    assert "unknown prerequisite skill 'division'" in messages
    assert any(
        "duplicate problem slug 'add-1' (first at units[0].skills[0].problems[0])" in m
        for m in messages
    )


def test_template_that_cannot_satisfy_its_constraints(mini_data, loaded, tmp_path):
    template = mini_data["units"][0]["skills"][1]["templates"][0]
    template["constraints"] = ["p > 1000"]
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert errors[0].location == "units[0].skills[1].templates[0]"
    assert (
        "only 0 distinct problems of the 20" in errors[0].message
        and "p > 1000" in errors[0].message
    )


def test_template_expression_cannot_run_code(mini_data, loaded, tmp_path):
    template = mini_data["units"][0]["skills"][1]["templates"][0]
    template["computed"] = {"p": "__import__('os').system('true')"}
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert "only these functions may be called" in errors[0].message


@pytest.mark.parametrize(
    "text, found",
    [
        ("Compute <script>alert(1)</script> $1+1$.", "<script>"),
        ('Look <img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", "'javascript:'"),
        ("<!-- hidden --> text", "<!--"),
    ],
)
def test_html_and_script_in_text(mini_data, loaded, tmp_path, text, found):
    mini_data["units"][0]["skills"][0]["problems"][0]["hints"][0] = text
    errors = rejected(package_dir(tmp_path, mini_data), loaded)
    assert errors[0].location == "units[0].skills[0].problems[0].hints[0]"
    assert found in errors[0].message


def test_comparisons_inside_math_are_not_html(mini_data, tmp_path):
    mini_data["units"][0]["skills"][0]["problems"][0]["statement"] = "Is $a<b$ and $c>d$? $$x<y>z$$"
    assert load_curriculum(package_dir(tmp_path, mini_data), dry_run=True).ok


def test_missing_figure(mini_data, loaded, tmp_path):
    folder = package_dir(tmp_path, mini_data)
    (folder / "figures" / "line.png").unlink()
    errors = rejected(folder, loaded)
    assert "figure 'figures/line.png' is not in the package" in errors[0].message
    assert errors[0].location == "units[0].skills[0].problems[1].statement"


def test_oversized_upload(loaded):
    big = b"#" * (package.MAX_PACKAGE_BYTES + 1)
    errors = rejected(big, loaded, filename="course.yaml")
    assert "the limit is 20,971,520" in errors[0].message


def _zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def test_zip_package_imports(mini_data):
    blob = _zip(
        {
            "mini/course.yaml": as_yaml(mini_data),
            "mini/figures/line.png": (MINI / "figures" / "line.png").read_bytes(),
        }
    )
    report = load_curriculum(blob, filename="mini.zip")
    assert report.imported, report.errors


def test_zip_with_path_traversal(loaded):
    blob = _zip({"course.yaml": (MINI / "course.yaml").read_bytes(), "../../etc/evil.png": b"x"})
    errors = rejected(blob, loaded, filename="evil.zip")
    assert errors[0].file == "evil.zip:../../etc/evil.png"
    assert "path traversal" in errors[0].message


def test_zip_with_absolute_path(loaded):
    blob = _zip({"course.yaml": b"x", "/etc/passwd": b"x"})
    assert "path traversal" in rejected(blob, loaded, filename="abs.zip")[0].message


def test_zip_with_symlink(loaded):
    blob = _zip(
        {"course.yaml": (MINI / "course.yaml").read_bytes()}, {"figures/line.png": "/etc/passwd"}
    )
    errors = rejected(blob, loaded, filename="link.zip")
    assert errors[0].file == "link.zip:figures/line.png"
    assert "symbolic links are not allowed" in errors[0].message


def test_folder_with_symlink(loaded, mini_data, tmp_path):
    folder = package_dir(tmp_path, mini_data)
    (folder / "figures" / "line.png").unlink()
    os.symlink("/etc/passwd", folder / "figures" / "line.png")
    errors = rejected(folder, loaded)
    assert errors[0].file == "figures/line.png" and "symbolic links" in errors[0].message


def test_not_a_zip(loaded):
    errors = rejected(b"PK\x03\x04garbage", loaded, filename="bad.zip")
    assert "not a readable zip file" in errors[0].message
