"""Round trip: export(import(package)) equals the package (in canonical form)."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from django.core.management import call_command

from curriculum.exporter import export_bytes, export_course
from curriculum.models import Course, CurriculumVersion
from curriculum.package import read_package
from curriculum.services import load_curriculum
from curriculum.validation import normalize
from tests.curriculum.conftest import DEMO, MINI

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("source", [MINI, DEMO], ids=["mini", "demo"])
def test_export_of_import_equals_the_package(source):
    raw = read_package(source)
    assert load_curriculum(source).imported
    course = Course.objects.get(slug=raw.data["course"]["slug"])
    exported, figures = export_course(course)
    assert exported == normalize(raw.data)
    assert figures == raw.files
    # Canonical form is a fixed point.
    assert normalize(exported) == exported


def test_reimporting_an_export_changes_nothing(tmp_path):
    assert load_curriculum(MINI).imported
    filename, content, content_type = export_bytes(Course.objects.get(slug="mini-algebra"))
    assert filename == "mini-algebra.zip" and content_type == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert names == ["mini-algebra/course.yaml", "mini-algebra/figures/line.png"]
    report = load_curriculum(content, filename=filename)
    assert report.ok and report.changes[0]["unchanged_package"] is True
    assert CurriculumVersion.objects.count() == 1


def test_export_command(tmp_path, capsys):
    call_command("load_curriculum", str(MINI))
    out = tmp_path / "mini.zip"
    call_command("export_curriculum", "mini-algebra", "--output", str(out))
    assert zipfile.is_zipfile(out)


def test_export_of_a_course_made_outside_packages(demo):
    """The platform's seed_demo course (no units) still exports to a valid package."""
    package, _ = export_course(demo)
    assert package["units"][0]["slug"] == "skills"
    text = yaml.safe_dump(package).encode()
    report = load_curriculum(text, filename="course.yaml", dry_run=True)
    assert report.ok, report.errors
