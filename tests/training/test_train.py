"""A tiny end-to-end training run (seconds): the loss goes down, the run is deterministic from its
seed, the checkpoint loads with the ordinary loader and the engine generates from it."""

from __future__ import annotations

import json

import pytest

from inference.engines.base import GenerationRequest
from inference.engines.local import TUTOR_LINE_RETRIES, LocalEngine
from inference.sambay import load_checkpoint
from inference.training.train import TUTOR_FORMAT, TrainConfig, lr_at, train

TINY_MODEL = dict(
    hidden_size=32,
    intermediate_size=64,
    num_attention_heads=2,
    num_key_value_heads=2,
    sliding_window=16,
    mamba_d_state=4,
)


def _tiny(out, steps=40):
    return TrainConfig(
        out=out,
        steps=steps,
        batch_size=8,
        examples=400,
        lr=3e-3,
        warmup=5,
        log_every=5,
        threads=1,
        tiny=True,
        model=TINY_MODEL,
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tutor") / "tiny-tutor"
    return out, train(_tiny(out))


def test_loss_goes_down(tiny_run):
    _, log = tiny_run
    curve = [p["loss"] for p in log["curve"]]
    assert len(curve) == 8
    assert curve[-1] < curve[0] - 0.5


def test_checkpoint_loads_and_generates(tiny_run):
    out, log = tiny_run
    for name in (
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
    ):
        assert (out / name).exists()
    assert list(out.glob("model-*.safetensors"))
    model, tokenizer = load_checkpoint(out)
    assert sum(p.numel() for p in model.parameters()) == log["parameters"]
    assert json.loads((out / "generation_config.json").read_text())["tutor_format"] == TUTOR_FORMAT
    # The chat template renders the statement alone, as in training.
    ids = tokenizer.apply_chat_template(
        [
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "Solve $x + 1 = 3$."},
        ],
        add_generation_prompt=True,
    )
    assert tokenizer.decode(ids, skip_special_tokens=False) == (
        "<|user|>Solve $x + 1 = 3$.<|end|><|assistant|>"
    )
    engine = LocalEngine(out, torch_threads=1)
    try:
        assert engine.tutor_format
        handle = engine.submit(
            GenerationRequest(
                messages=[], statement="Simplify $3x + 2y - x + 5y$.", max_new_tokens=24
            )
        )
        text = "".join(handle)
        assert handle.finish_reason == "stop" and handle.completion_tokens > 0 and text
        # 40 steps teach no algebra: every line fails its checks (combining like terms is a step
        # the CAS does not plan by itself), and nothing is passed off as checked.
        assert "could not finish an explanation whose every step checks out" in text
        assert handle.checked is False
        assert handle.retries == TUTOR_LINE_RETRIES + 1
    finally:
        engine.close()


def test_same_seed_same_weights(tmp_path):
    a = train(_tiny(tmp_path / "a", steps=6))
    b = train(_tiny(tmp_path / "b", steps=6))
    assert [p["loss"] for p in a["curve"]] == [p["loss"] for p in b["curve"]]
    files = sorted(p.name for p in (tmp_path / "a").glob("*.safetensors"))
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_schedule_warms_up_then_decays_to_a_tenth():
    cfg = TrainConfig(out=None, steps=1000, lr=1e-3, warmup=100)
    assert lr_at(0, cfg) == pytest.approx(1e-5)
    assert lr_at(99, cfg) == pytest.approx(1e-3)
    assert lr_at(999, cfg) == pytest.approx(1e-4, rel=1e-3)


def test_resume_trains_a_checkpoint_further(tiny_run, tmp_path):
    first, first_log = tiny_run
    cfg = _tiny(tmp_path / "more", steps=10)
    cfg.resume_from = first
    log = train(cfg)
    assert log["resumed_from"] == str(first)
    # Same tokenizer, same shapes; it starts from the trained weights (low loss at once).
    assert (tmp_path / "more" / "tokenizer.json").read_text() == (
        first / "tokenizer.json"
    ).read_text()
    assert log["curve"][0]["loss"] < first_log["curve"][0]["loss"] - 1.0
