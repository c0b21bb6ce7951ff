"""Helpers for curriculum tests: the small fixture package, edited copies of it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.shared_data import SHARED_DATA

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "curriculum" / "demo"
OATUTOR_POOL = SHARED_DATA / "oatutor"


@pytest.fixture
def mini_data() -> dict:
    return copy.deepcopy(yaml.safe_load((MINI / "course.yaml").read_text()))


def as_yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def snapshot() -> dict:
    """Everything the curriculum tables hold, to prove a rejected load changed nothing."""
    from curriculum.models import (
        Course,
        CurriculumVersion,
        Hint,
        Problem,
        ProblemTemplate,
        Skill,
        Unit,
    )

    return {
        "courses": list(Course.objects.values_list("slug", "title")),
        "units": list(Unit.all_objects.values_list("slug", "title", "is_active").order_by("id")),
        "skills": list(Skill.all_objects.values_list("slug", "name", "is_active").order_by("id")),
        "templates": ProblemTemplate.all_objects.count(),
        "problems": list(
            Problem.objects.values_list("slug", "statement", "is_active").order_by("id")
        ),
        "hints": list(Hint.all_objects.values_list("text", "is_active").order_by("id")),
        "versions": CurriculumVersion.objects.count(),
    }


def package_dir(tmp_path: Path, data: dict) -> Path:
    """An edited copy of the mini package as a folder (with its figure)."""
    import shutil

    folder = tmp_path / "pkg"
    shutil.copytree(MINI, folder, dirs_exist_ok=True)
    (folder / "course.yaml").write_bytes(as_yaml(data))
    return folder
