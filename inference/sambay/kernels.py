"""Optional CUDA kernels (mamba_ssm, causal_conv1d, flash_attn).

Each is imported lazily and only used for CUDA tensors; the pure-PyTorch code is the fallback and
the only path on CPU.  ``SAMBAY_DISABLE_KERNELS=1`` (or ``model.use_kernels = False``) turns them off.
These paths were written against mamba-ssm 2.2.x, causal-conv1d 1.5.x and flash-attn 2.7.x (the
versions the official model card pins) and are checked against the pure path by
``tests/sambay/test_cuda.py`` when a GPU is present.
"""

from __future__ import annotations

import os
from functools import lru_cache
from types import SimpleNamespace

import torch


@lru_cache(maxsize=1)
def available() -> SimpleNamespace:
    ns = SimpleNamespace(
        selective_scan_fn=None,
        selective_state_update=None,
        causal_conv1d_fn=None,
        causal_conv1d_update=None,
        flash_attn_func=None,
    )
    if os.environ.get("SAMBAY_DISABLE_KERNELS") == "1" or not torch.cuda.is_available():
        return ns
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn

        ns.selective_scan_fn = selective_scan_fn
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        pass
    try:
        from mamba_ssm.ops.triton.selective_state_update import selective_state_update

        ns.selective_state_update = selective_state_update
    except Exception:  # noqa: BLE001
        pass
    try:
        from causal_conv1d import causal_conv1d_fn, causal_conv1d_update

        ns.causal_conv1d_fn = causal_conv1d_fn
        ns.causal_conv1d_update = causal_conv1d_update
    except Exception:  # noqa: BLE001
        pass
    try:
        from flash_attn import flash_attn_func

        ns.flash_attn_func = flash_attn_func
    except Exception:  # noqa: BLE001
        pass
    return ns


def describe() -> dict[str, bool]:
    ns = available()
    return {k: v is not None for k, v in vars(ns).items()}


def flash_diff_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    vv: torch.Tensor,
    lam: torch.Tensor,
    window: int | None,
) -> torch.Tensor:
    """Differential attention of a fresh prompt through flash_attn (four calls, as the reference).

    q (B, 2, H2, T, hd), k (B, 2, K2, S, hd), vv (B, K2, S, 2hd); causal, bottom-right aligned,
    optional sliding window.  Returns (B, H2, T, 2hd).
    """
    fa = available().flash_attn_func
    hd = q.shape[-1]
    ws = (window - 1, 0) if window else (-1, -1)
    qs = [q[:, i].transpose(1, 2) for i in range(2)]  # (B, T, H2, hd)
    ks = [k[:, i].transpose(1, 2) for i in range(2)]  # (B, S, K2, hd)
    v1 = vv[..., :hd].transpose(1, 2)
    v2 = vv[..., hd:].transpose(1, 2)
    outs = []
    for i in range(2):
        a = fa(qs[i], ks[i], v1, causal=True, window_size=ws)
        b = fa(qs[i], ks[i], v2, causal=True, window_size=ws)
        outs.append(torch.cat([a, b], dim=-1))  # (B, T, H2, 2hd)
    o = outs[0] - lam * outs[1]
    return o.transpose(1, 2)
