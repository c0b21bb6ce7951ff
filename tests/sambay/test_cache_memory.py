"""Per-sequence cache: only the full-attention layer's K and V grow, by exactly 2 x kv x hd x dtype."""

import pytest
import torch

from inference.sambay import BatchDecoder, SambaYCache, SambaYConfig, SamplingParams

from .conftest import WINDOW, rand_ids


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_cache_grows_by_one_layer_kv_per_token(tiny_model, tiny_config, dtype):
    import copy

    model = tiny_model if dtype == torch.float32 else copy.deepcopy(tiny_model).set_dtype(dtype)
    c = tiny_config
    esize = torch.tensor([], dtype=dtype).element_size()
    per_token = 2 * c.num_key_value_heads * c.head_dim * esize
    ids = rand_ids(4 * WINDOW, c.vocab_size, seed=1)
    with torch.no_grad():
        cache = model.new_cache()
        model.prefill(ids[:, :3], cache)
        prev = cache.export_row(0)
        fixed_shapes = {k: v.shape for k, v in prev.tensors().items() if not k.startswith("kv_")}
        for t in range(3, ids.shape[1]):  # crosses the window several times
            model(ids[:, t : t + 1], cache)
            state = cache.export_row(0)
            assert state.nbytes - prev.nbytes == per_token
            assert state.nbytes == cache.row_nbytes(0)
            assert state.length == t + 1
            assert state.kv_k.shape[-2] == t + 1 and state.kv_v.shape[-2] == t + 1
            for k, shape in fixed_shapes.items():  # Mamba conv/SSM states and rings: fixed
                assert state.tensors()[k].shape == shape
            prev = state
    # what the fixed part holds: Mamba conv + SSM per Mamba layer, a W-slot K/V ring per SWA layer
    n_m, n_s = len(c.mamba_layers), len(c.sliding_layers)
    fixed = n_m * c.d_inner * ((c.mamba_d_conv - 1) * esize + c.mamba_d_state * 4)
    fixed += n_s * 2 * c.num_key_value_heads * WINDOW * c.head_dim * esize
    assert cache.fixed_row_nbytes() == fixed


def test_official_config_cache_sizes():
    cache = SambaYCache(SambaYConfig.official(), 1, dtype=torch.bfloat16, device="meta")
    assert cache.kv_bytes_per_token() == 2 * 20 * 64 * 2 == 5120  # one layer's K+V in bf16
    # 9 Mamba layers (conv in bf16, SSM state in fp32) + 8 rings of 512 K/V
    assert cache.fixed_row_nbytes() == 9 * 5120 * (3 * 2 + 16 * 4) + 8 * 2 * 20 * 512 * 64 * 2


def test_decoder_reports_cache_growth(tiny_model, tiny_config):
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    sid = dec.add(rand_ids(5, tiny_config.vocab_size, seed=2)[0], SamplingParams(max_new_tokens=30))
    dec.step()
    sizes = []
    for _ in range(2 * WINDOW):
        dec.step()
        sizes.append(dec.cache_nbytes(sid))
    per_token = 2 * tiny_config.num_key_value_heads * tiny_config.head_dim * 4
    assert all(b - a == per_token for a, b in zip(sizes, sizes[1:], strict=False))
