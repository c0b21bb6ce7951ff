"""The SambaY model is a pure core: importing every module of it in a fresh interpreter loads
no Django, Celery, Channels or Redis client (tests/purity.py)."""

from tests.purity import assert_pure


def test_model_core_imports_no_django_side():
    assert_pure("inference.sambay")
