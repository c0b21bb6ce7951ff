from __future__ import annotations

import re

import pytest

from inference import engines


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A tiny random SambaY checkpoint in the official layout, written by the test."""
    from inference.sambay import SambaYConfig, write_random_checkpoint

    # No practical length limit: tests that need a generation still running when they look
    # (a queue place, an unwatched cancel) set a huge max_new_tokens, and on an idle machine
    # this tiny model writes 4,096 tokens in a fraction of a second.
    config = SambaYConfig.tiny(max_position_embeddings=1_000_000)
    return write_random_checkpoint(
        tmp_path_factory.mktemp("ckpt") / "tiny-sambay", config=config, seed=3
    )


@pytest.fixture
def local_engine(settings, tiny_checkpoint):
    """Settings for the local engine; the worker builds it on first use, inside its process."""
    settings.TUTOR_ENGINE = "local"
    settings.TUTOR_MODEL_PATH = str(tiny_checkpoint)
    settings.TUTOR_MAX_NEW_TOKENS = 48
    settings.TUTOR_TEMPERATURE = 0.8
    settings.TUTOR_TORCH_THREADS = 1
    engines.reset_engine()
    yield settings
    engines.reset_engine()


@pytest.fixture
def redis_elsewhere(settings):
    """Point the app at an empty Redis database: no worker heartbeats there."""
    settings.REDIS_URL = re.sub(r"/\d+$", "", settings.REDIS_URL) + "/14"
    yield settings
