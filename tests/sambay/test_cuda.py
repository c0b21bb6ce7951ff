"""GPU checks (skipped without CUDA): the pure path and the optional kernels agree with the
full forward in bf16, and the pure path keeps the 1e-4 fp32 equivalence on CUDA."""

import copy

import pytest
import torch

from inference.sambay import kernels

from .conftest import WINDOW, rand_ids

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _decode(model, ids, prefill):
    cache = model.new_cache()
    outs = [model.prefill(ids[:, :prefill], cache, chunk_size=5, logits_to_keep=None)]
    for t in range(prefill, ids.shape[1]):
        outs.append(model(ids[:, t : t + 1], cache))
    return torch.cat(outs, 1)


@torch.no_grad()
def test_cuda_fp32_pure_path_equivalence(tiny_model, tiny_config):
    m = copy.deepcopy(tiny_model).cuda()
    m.set_kernels(False)
    ids = rand_ids(4 * WINDOW, tiny_config.vocab_size, seed=1).cuda()
    full = m(ids)
    assert (_decode(m, ids, WINDOW - 2) - full).abs().max().item() < 1e-4
    assert (full.cpu() - tiny_model(ids.cpu())).abs().max().item() < 1e-4


@torch.no_grad()
@pytest.mark.parametrize("use_kernels", [False, True])
def test_cuda_bf16_decode_tracks_full_forward(tiny_model, tiny_config, use_kernels):
    if use_kernels and not any(kernels.describe().values()):
        pytest.skip("no CUDA kernels installed")
    m = copy.deepcopy(tiny_model).set_dtype(torch.bfloat16).cuda()
    m.set_kernels(use_kernels)
    ids = rand_ids(4 * WINDOW, tiny_config.vocab_size, seed=2).cuda()
    ref = tiny_model(ids.cpu())
    scale = ref.abs().max().item()
    full = m(ids)
    assert (full.cpu() - ref).abs().max().item() < 0.1 * scale
    assert (_decode(m, ids, WINDOW - 2) - full).abs().max().item() < 0.1 * scale
