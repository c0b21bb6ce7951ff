import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from inference.sambay import (
    CheckpointError,
    SambaYConfig,
    load_checkpoint,
    load_model,
    save_checkpoint,
    write_random_checkpoint,
)

from .conftest import rand_ids

OFFICIAL_FILES = {
    "config.json",
    "generation_config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "added_tokens.json",
    "special_tokens_map.json",
    "vocab.json",
    "merges.txt",
}


def test_layout_and_round_trip(tiny_ckpt, tiny_model, tiny_config):
    assert {p.name for p in tiny_ckpt.iterdir()} == OFFICIAL_FILES
    index = json.loads((tiny_ckpt / "model.safetensors.index.json").read_text())
    wm = index["weight_map"]
    assert set(wm) == {n for n, _ in tiny_model.named_parameters()}
    kv = tiny_config.kv_layer
    for name, file in wm.items():  # the official split: embedding + layers <= L/2+1 in shard 1
        first = name.startswith("model.embed_tokens") or (
            name.startswith("model.layers.") and int(name.split(".")[2]) <= kv
        )
        assert file == (
            "model-00001-of-00002.safetensors" if first else "model-00002-of-00002.safetensors"
        )
    assert index["metadata"]["total_size"] == sum(p.numel() * 4 for p in tiny_model.parameters())
    cfg = json.loads((tiny_ckpt / "config.json").read_text())
    assert cfg["model_type"] == "phi4flash" and cfg["sliding_window"] == tiny_config.sliding_window
    model, tok = load_checkpoint(tiny_ckpt, dtype=torch.float32)
    ids = rand_ids(20, tiny_config.vocab_size, seed=3)
    with torch.no_grad():
        assert torch.equal(model(ids), tiny_model(ids))
    assert (
        model.eos_token_ids
        == tok.eos_token_ids
        == [tok.token_to_id("<|end|>"), tok.token_to_id("<|endoftext|>")]
    )


def test_load_bf16_keeps_fp32_params(tiny_ckpt):
    model = load_model(tiny_ckpt, dtype="bfloat16")
    params = dict(model.named_parameters())
    assert params["model.layers.0.attn.A_log"].dtype == torch.float32
    assert params["model.layers.1.attn.inner_cross_attn.lambda_q1"].dtype == torch.float32
    assert params["model.layers.0.mlp.fc1.weight"].dtype == torch.bfloat16
    assert not any(p.requires_grad for p in params.values())


def test_bf16_checkpoint_stores_fp32_exceptions(tmp_path):
    path = write_random_checkpoint(tmp_path / "bf16", SambaYConfig.tiny(), seed=4)
    dtypes = {}
    for f in path.glob("*.safetensors"):
        with safe_open(str(f), "pt") as h:
            for k in h.keys():
                dtypes[k] = h.get_tensor(k).dtype
    assert dtypes["model.layers.0.attn.A_log"] == torch.float32
    assert dtypes["model.layers.3.attn.inner_cross_attn.lambda_k2"] == torch.float32
    assert dtypes["model.layers.0.attn.D"] == torch.bfloat16
    assert json.loads((path / "config.json").read_text())["torch_dtype"] == "bfloat16"
    model = load_model(path)  # dtype from config.json
    assert model.dtype == torch.bfloat16


def test_small_shards_load(tmp_path, tiny_model, tiny_config):
    path = save_checkpoint(
        tiny_model, tmp_path / "many", dtype=torch.float32, max_shard_bytes=200_000
    )
    shards = sorted(p.name for p in path.glob("*.safetensors"))
    assert len(shards) > 3 and shards[0].endswith(f"-of-{len(shards):05d}.safetensors")
    model = load_model(path, dtype=torch.float32)
    ids = rand_ids(9, tiny_config.vocab_size, seed=5)
    with torch.no_grad():
        assert torch.equal(model(ids), tiny_model(ids))


def _rewrite_shard(path, file, edit):
    with safe_open(str(path / file), "pt") as h:
        tensors = {k: h.get_tensor(k) for k in h.keys()}
    edit(tensors)
    save_file(tensors, str(path / file), metadata={"format": "pt"})


@pytest.fixture
def ckpt_copy(tmp_path, tiny_model):
    return save_checkpoint(tiny_model, tmp_path / "c", dtype=torch.float32)


def test_missing_tensor_is_named(ckpt_copy):
    name = "model.layers.5.attn.Wqkv.weight"
    _rewrite_shard(ckpt_copy, "model-00001-of-00002.safetensors", lambda t: t.pop(name))
    with pytest.raises(CheckpointError) as err:
        load_model(ckpt_copy)
    msg = str(err.value)
    assert "missing tensors (1)" in msg and name in msg
    # the index still lists it: that is reported as well
    assert f"maps {name} to model-00001-of-00002.safetensors" in msg
    assert err.value.missing == [name]


def test_misshaped_unexpected_and_several_missing_are_all_named(ckpt_copy):
    bad = "model.layers.2.mlp.fc1.weight"
    gone = ["model.layers.6.attn.in_proj.weight", "model.final_layernorm.bias"]

    def edit(t):
        t[bad] = torch.zeros(3, 5)
        t["model.layers.99.extra.weight"] = torch.zeros(2)

    def edit2(t):
        for g in gone:
            t.pop(g, None)

    _rewrite_shard(ckpt_copy, "model-00001-of-00002.safetensors", edit)
    _rewrite_shard(ckpt_copy, "model-00002-of-00002.safetensors", edit2)
    with pytest.raises(CheckpointError) as err:
        load_model(ckpt_copy)
    e = err.value
    msg = str(e)
    assert f"{bad}: checkpoint [3, 5] != model [256, 64]" in msg
    assert "model.layers.99.extra.weight" in msg and e.unexpected == [
        "model.layers.99.extra.weight"
    ]
    for g in gone:
        assert g in msg
    assert sorted(e.missing) == sorted(gone)


def test_missing_shard_file_is_reported(ckpt_copy):
    (ckpt_copy / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(CheckpointError) as err:
        load_model(ckpt_copy)
    msg = str(err.value)
    assert (
        "shard model-00002-of-00002.safetensors listed in model.safetensors.index.json is missing"
        in msg
    )
    assert "model.final_layernorm.weight" in msg  # and every tensor it held is missing


def test_tokenizer_and_chat_template(tiny_ckpt):
    _, tok = load_checkpoint(tiny_ckpt)
    messages = [{"role": "user", "content": "How to solve 3*x^2+4*x+5=1?"}]
    text = tok.apply_chat_template(messages, tokenize=False)
    assert text == "<|user|>How to solve 3*x^2+4*x+5=1?<|end|><|assistant|>"
    ids = tok.apply_chat_template(messages)
    assert ids[0] == tok.token_to_id("<|user|>") and ids[-1] == tok.token_to_id("<|assistant|>")
    assert tok.decode(ids, skip_special_tokens=False) == text
    assert tok.decode(ids) == "How to solve 3*x^2+4*x+5=1?"
    system = [{"role": "system", "content": "S", "tools": "[]"}, *messages]
    assert tok.apply_chat_template(system, tokenize=False).startswith(
        "<|system|>S<|tool|>[]<|/tool|><|end|>"
    )
    assert tok.apply_chat_template(messages, add_generation_prompt=False, tokenize=False).endswith(
        "<|end|><|endoftext|>"
    )
    # <|tool|> is an added but non-special token: kept when special tokens are skipped
    assert tok.decode(tok.encode("a<|tool|>b")) == "a<|tool|>b"
    assert tok.encode("x", add_special_tokens=True) == tok.encode("x")  # add_bos_token=false
