import json
import math

import pytest
import torch

from inference.sambay import SambaYConfig, SambaYForCausalLM
from inference.sambay.config import (
    CROSS_ATTENTION,
    FULL_ATTENTION,
    GMU,
    MAMBA,
    MEMORY_MAMBA,
    SLIDING_ATTENTION,
    lambda_init_for,
)

H, DI, V = 2560, 5120, 200064


@pytest.fixture(scope="module")
def official_meta():
    with torch.device("meta"):
        return SambaYForCausalLM(SambaYConfig.official())


def test_official_parameter_count(official_meta):
    params = dict(official_meta.named_parameters())
    total = sum(p.numel() for p in params.values())
    assert total == 3_852_562_944
    assert total - params["model.embed_tokens.weight"].numel() == 3_340_399_104
    assert len(params) == 434  # the tensors of model.safetensors.index.json (lm_head is tied)
    assert "lm_head.weight" not in params


def _expected_shapes() -> dict[str, tuple[int, ...]]:
    exp = {
        "model.embed_tokens.weight": (V, H),
        "model.final_layernorm.weight": (H,),
        "model.final_layernorm.bias": (H,),
    }
    for i in range(32):
        p = f"model.layers.{i}."
        exp |= {
            p + "input_layernorm.weight": (H,),
            p + "input_layernorm.bias": (H,),
            p + "post_attention_layernorm.weight": (H,),
            p + "post_attention_layernorm.bias": (H,),
            p + "mlp.fc1.weight": (20480, H),
            p + "mlp.fc2.weight": (H, 10240),
        }
        a = p + "attn."
        if i % 2 == 0 and i <= 16:
            exp |= {
                a + "in_proj.weight": (10240, H),
                a + "conv1d.weight": (DI, 1, 4),
                a + "conv1d.bias": (DI,),
                a + "x_proj.weight": (192, DI),
                a + "dt_proj.weight": (DI, 160),
                a + "dt_proj.bias": (DI,),
                a + "A_log": (DI, 16),
                a + "D": (DI,),
                a + "out_proj.weight": (H, DI),
            }
        elif i % 2 == 0:
            exp |= {a + "in_proj.weight": (DI, H), a + "out_proj.weight": (H, DI)}
        else:
            q = (5120, H) if i <= 17 else (H, H)
            exp |= {
                a + "Wqkv.weight": q,
                a + "Wqkv.bias": (q[0],),
                a + "out_proj.weight": (H, H),
                a + "out_proj.bias": (H,),
                a + "inner_cross_attn.subln.weight": (128,),
            }
            for lam in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2"):
                exp[a + "inner_cross_attn." + lam] = (64,)
    return exp


def test_official_names_and_shapes(official_meta):
    got = {n: tuple(p.shape) for n, p in official_meta.named_parameters()}
    assert got == _expected_shapes()


def test_official_layout_and_derived_sizes():
    c = SambaYConfig.official()
    kinds = c.layer_kinds
    assert kinds[:16] == [MAMBA, SLIDING_ATTENTION] * 8
    assert kinds[16] == MEMORY_MAMBA and kinds[17] == FULL_ATTENTION
    assert kinds[18:] == [GMU, CROSS_ATTENTION] * 7
    assert (c.head_dim, c.d_inner, c.dt_rank, c.sliding_window) == (64, 5120, 160, 512)
    assert (c.memory_layer, c.kv_layer) == (16, 17)
    table = {1: 0.355509, 3: 0.556058, 17: 0.796342, 31: 0.799945}
    for layer, value in table.items():
        assert math.isclose(lambda_init_for(layer), value, abs_tol=1e-6)


def test_config_json_defaults_and_round_trip(tmp_path):
    # keys missing from config.json take Phi4FlashConfig's defaults
    c = SambaYConfig.from_dict({"hidden_size": 2560})
    assert (c.mamba_d_state, c.mamba_d_conv, c.mamba_expand, c.dt_rank) == (16, 4, 2, 160)
    assert c.num_key_value_heads == 4 and c.sliding_window == 2047 and c.vocab_size == 51200
    # a config saved after Phi4FlashConfig.__init__ holds a per-layer window list
    c2 = SambaYConfig.from_dict(
        {**SambaYConfig.official().to_dict(), "sliding_window": [None, 512] * 8 + [None] * 16}
    )
    assert c2.sliding_window == 512
    path = tmp_path / "config.json"
    SambaYConfig.official().to_json_file(path)
    data = json.loads(path.read_text())
    assert data["model_type"] == "phi4flash" and data["architectures"] == ["Phi4FlashForCausalLM"]
    assert data["_attn_implementation"] == "flash_attention_2"  # unknown keys survive
    assert SambaYConfig.from_json_file(path) == SambaYConfig.official()


def test_invalid_configs_are_rejected():
    with pytest.raises(ValueError, match="mb_per_layer"):
        SambaYConfig.tiny(mb_per_layer=3)
    with pytest.raises(ValueError, match="num_hidden_layers"):
        SambaYConfig.tiny(num_hidden_layers=6)
    with pytest.raises(ValueError, match="even"):
        SambaYConfig.tiny(num_attention_heads=3, hidden_size=48)


def test_fp32_parameters_survive_bf16(tiny_config):
    m = SambaYForCausalLM(tiny_config).set_dtype(torch.bfloat16)
    for name, p in m.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("A_log", "lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2"):
            assert p.dtype == torch.float32, name
        else:
            assert p.dtype == torch.bfloat16, name
