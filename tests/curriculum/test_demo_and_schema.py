"""The JSON Schema is a valid 2020-12 schema; the demo package loads cleanly and is big enough."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from curriculum.models import Course, Problem, Skill
from curriculum.services import load_curriculum
from curriculum.validation import SCHEMA_PATH
from tests.curriculum.conftest import DEMO


def test_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text()))


@pytest.mark.django_db
def test_demo_curriculum_loads_without_warnings():
    report = load_curriculum(DEMO)
    assert report.imported and report.errors == [] and report.warnings == []
    assert report.counts["units"] >= 3 and report.counts["skills"] >= 12
    assert report.counts["problems"] >= 500
    course = Course.objects.get(slug="algebra-foundations")
    assert course.attribution
    skills = Skill.objects.filter(course=course)
    assert all(s.problems.filter(is_active=True).exists() for s in skills)
    assert sum(1 for s in skills if s.prerequisites.exists()) == skills.count() - 1
    assert Problem.objects.filter(skill__course=course, template__isnull=False).count() >= 500
    assert Problem.objects.filter(skill__course=course, hints__isnull=True).count() == 0
