"""The steps core (CAS lines, problem reading, repairs and plans) is pure: importing every
module of it in a fresh interpreter loads no Django, Celery, Channels or Redis client, and
nothing of the project outside the pure cores (it uses the answer checker; tests/purity.py)."""

from tests.purity import assert_pure


def test_steps_core_imports_no_django_side():
    assert_pure("inference.steps")
