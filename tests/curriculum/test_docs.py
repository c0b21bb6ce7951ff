"""The worked example in docs/curriculum-format.md is the test package, and it is valid."""

from __future__ import annotations

import re

import yaml

from curriculum.package import RawPackage
from curriculum.validation import validate
from tests.curriculum.conftest import MINI, REPO


def test_worked_example_matches_the_fixture_and_validates():
    doc = (REPO / "docs" / "curriculum-format.md").read_text()
    example = doc.split("## Worked example", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", example, re.S).group(1)
    data = yaml.safe_load(block)
    assert data == yaml.safe_load((MINI / "course.yaml").read_text())
    files = {"figures/line.png": (MINI / "figures" / "line.png").read_bytes()}
    result = validate(RawPackage(data, "course.yaml", files))
    assert result.ok, result.errors
