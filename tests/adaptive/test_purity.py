"""The engine is a pure library: no Django (or other project) imports, and the CLIs run."""

import ast
import pathlib

import tutor.adaptive
from tests.purity import assert_pure

PKG = pathlib.Path(tutor.adaptive.__file__).parent


def test_no_django_or_project_imports():
    for path in PKG.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside the package
                    continue
                names = [node.module or ""]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                assert top not in {
                    "django",
                    "celery",
                    "config",
                    "tutor",
                    "curriculum",
                    "inference",
                }, (
                    path.name,
                    n,
                )


def test_a_fresh_import_loads_no_django_side():
    """Every module imported in a fresh interpreter: no Django, Celery, Channels or Redis
    client comes in through the packages around it either (tests/purity.py)."""
    assert_pure("tutor.adaptive")


def test_bench_runs_small():
    from tutor.adaptive.bench import render, run

    r = run(n_learners=60, n_skills=10, items_per_skill=8, reps=2)
    text = render(r)
    assert "choose_next p50 / p99" in text and r["choose_next_ms"]["n"] > 0
