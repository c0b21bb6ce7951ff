"""SambaY (Phi-4-mini-flash-reasoning, ``Phi4FlashForCausalLM``) in pure PyTorch.

Parameter names and shapes are the official checkpoint's (``model.layers.{i}.attn.Wqkv.weight``,
``model.layers.{i}.attn.inner_cross_attn.lambda_q1``, ...), so its safetensors load with no renaming.

Numerics follow the reference: the residual stream is float32 from the embedding on; LayerNorm
inputs, projections and attention run in the model dtype (float32 or bfloat16); the selective scan,
softplus(dt), the SwiGLU products, the lambda exponentials and the sub-head RMSNorm run in float32;
``A_log`` and the four lambda vectors stay float32 parameters whatever the model dtype.

One entry point, :meth:`SambaYForCausalLM.forward`, serves the three uses:

* ``forward(ids)`` - the full-sequence forward without a cache (the reference the tests compare to);
* ``forward(ids, cache)`` - T new tokens for every active row of a :class:`SambaYCache`
  (prefill chunk when T > 1, one batched decode step when T == 1), rows may have different lengths;
* ``logits_to_keep`` - YOCO's linear prefill: the cross-decoder (layers >= L/2 + 2) writes no cache,
  so it only runs for the positions whose logits are wanted; ``logits_to_keep=0`` stops right after
  the full-attention layer has written its K/V (what non-final prefill chunks need).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import kernels
from .cache import SambaYCache
from .config import (
    CROSS_ATTENTION,
    FULL_ATTENTION,
    GMU,
    MAMBA,
    MEMORY_MAMBA,
    SLIDING_ATTENTION,
    SambaYConfig,
)
from .scan import selective_scan, selective_state_step

# Parameters kept in float32 whatever the model dtype (as the reference creates them).
FP32_PARAM_NAMES = ("A_log", "lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2")

# Attention with at most this many (query rows x query heads per kv head) uses explicit matmuls
# (decode); more uses scaled_dot_product_attention (prefill).
_MANUAL_ATTENTION_ROWS = 64


def keeps_fp32(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in FP32_PARAM_NAMES


# ---------------------------------------------------------------------------------------------
# differential attention core
# ---------------------------------------------------------------------------------------------
def _causal_mask(t: int, s: int, device: torch.device) -> torch.Tensor:
    """Bottom-right aligned causal mask (1, 1, t, s): query i sees keys <= i + (s - t)."""
    q = torch.arange(t, device=device).unsqueeze(1) + (s - t)
    return (torch.arange(s, device=device).unsqueeze(0) <= q).view(1, 1, t, s)


def diff_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    lam: torch.Tensor,
    mask: torch.Tensor | None = None,
    causal: bool = False,
) -> torch.Tensor:
    """softmax(q1 k1^T / sqrt(d)) V - lam * softmax(q2 k2^T / sqrt(d)) V.

    q: (B, 2, H2, T, hd) - index 0 holds the even query heads (q1), 1 the odd ones (q2);
    k: (B, 2, K2, S, hd) - likewise k1 / k2;  v: (B, K2, S, 2*hd) = cat(v1, v2) per kv sub-head;
    query sub-head i reads kv sub-head i // (H2 / K2).  mask: bool, broadcastable to (B, 1, T, S),
    True = may attend.  causal: bottom-right aligned causal mask instead.  Returns (B, H2, T, 2*hd).
    """
    B, _, H2, T, hd = q.shape
    K2, S = k.shape[2], k.shape[3]
    G = H2 // K2
    scale = hd**-0.5
    manual = q.device.type == "cpu" and q.dtype == torch.float32 and G * T <= _MANUAL_ATTENTION_ROWS
    if manual:
        # Both softmaxes share V, so (A1 - lam A2) V reads the cache once.
        if causal:
            mask = _causal_mask(T, S, q.device)
        qf = q.reshape(B, 2, K2, G * T, hd)
        scores = torch.matmul(qf, k.transpose(-1, -2)).mul_(scale)  # (B, 2, K2, G*T, S)
        if mask is not None:
            m = mask.expand(mask.shape[0], 1, T, S)
            if G > 1:
                m = m.repeat(1, 1, G, 1)
            scores = scores.masked_fill(~m.unsqueeze(1), float("-inf"))
        p = torch.softmax(scores, dim=-1)
        p = p[:, 0] - lam.to(p.dtype) * p[:, 1]  # (B, K2, G*T, S)
        out = torch.matmul(p, v)  # (B, K2, G*T, 2hd)
        return out.view(B, H2, T, 2 * hd)
    kw = dict(attn_mask=mask, is_causal=causal and mask is None, scale=scale, enable_gqa=G > 1)
    if causal and T != S:
        kw["attn_mask"], kw["is_causal"] = _causal_mask(T, S, q.device), False
    a1 = F.scaled_dot_product_attention(q[:, 0], k[:, 0], v, **kw)
    a2 = F.scaled_dot_product_attention(q[:, 1], k[:, 1], v, **kw)
    return a1 - lam * a2


class SubLN(nn.Module):
    """RMSNorm over the 2*head_dim output of a differential sub-head (``subln``)."""

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


class DiffAttentionInner(nn.Module):
    """The lambda vectors and subln of one attention layer (``attn.inner_cross_attn``)."""

    lambda_q1: nn.Parameter  # registered by setattr in __init__ (the checkpoint's names)
    lambda_k1: nn.Parameter
    lambda_q2: nn.Parameter
    lambda_k2: nn.Parameter

    def __init__(self, head_dim: int, layer_idx: int) -> None:
        super().__init__()
        self.lambda_init = 0.8 - 0.6 * math.exp(-0.3 * layer_idx)
        for name in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2"):
            setattr(self, name, nn.Parameter(torch.zeros(head_dim, dtype=torch.float32)))
        self.subln = SubLN(2 * head_dim, eps=1e-5)

    def lam(self, dtype: torch.dtype) -> torch.Tensor:
        l1 = torch.exp(torch.sum(self.lambda_q1 * self.lambda_k1).float()).to(dtype)
        l2 = torch.exp(torch.sum(self.lambda_q2 * self.lambda_k2).float()).to(dtype)
        return l1 - l2 + self.lambda_init

    def finish(self, o: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.subln(o) * (1 - self.lambda_init)
        return out


# ---------------------------------------------------------------------------------------------
# per-call bookkeeping
# ---------------------------------------------------------------------------------------------
class _Step:
    """What the layers of one forward call share: positions, cache, the YOCO K/V and its mask."""

    def __init__(self, cache: SambaYCache | None, B: int, T: int, device: torch.device) -> None:
        self.cache = cache
        self.T = T
        self.device = device
        ar = torch.arange(T, device=device)
        if cache is None:
            self.past_list = [0] * B
            self.past = torch.zeros(B, dtype=torch.long, device=device)
        else:
            if cache.n != B:
                raise ValueError(f"input batch {B} != active cache rows {cache.n}")
            self.past_list = cache.lengths
            self.past = cache.lengths_tensor()
        self.fresh = all(x == 0 for x in self.past_list)
        self.uniform = len(set(self.past_list)) <= 1
        self.q_pos = self.past.unsqueeze(1) + ar.unsqueeze(0)  # (B, T) absolute positions
        self.kv: tuple[torch.Tensor, torch.Tensor] | None = None
        self.kv_mask: torch.Tensor | None = None
        self.kv_causal = False


# ---------------------------------------------------------------------------------------------
# mixers
# ---------------------------------------------------------------------------------------------
class Mamba(nn.Module):
    """Mamba-1 mixer (``Phi3Mamba``); the memory layer also returns its SSM output before the gate."""

    def __init__(self, config: SambaYConfig, layer_idx: int, export_memory: bool) -> None:
        super().__init__()
        H, d, N, K, R = (
            config.hidden_size,
            config.d_inner,
            config.mamba_d_state,
            config.mamba_d_conv,
            config.dt_rank,
        )
        self.layer_idx = layer_idx
        self.export_memory = export_memory
        self.d_inner, self.d_state, self.d_conv, self.dt_rank = d, N, K, R
        self.in_proj = nn.Linear(H, 2 * d, bias=config.mamba_proj_bias)
        self.conv1d = nn.Conv1d(d, d, K, groups=d, padding=K - 1, bias=config.mamba_conv_bias)
        self.x_proj = nn.Linear(d, R + 2 * N, bias=False)
        self.dt_proj = nn.Linear(R, d, bias=True)
        self.A_log = nn.Parameter(torch.zeros(d, N, dtype=torch.float32))
        self.D = nn.Parameter(torch.ones(d))
        self.out_proj = nn.Linear(d, H, bias=config.mamba_proj_bias)
        self.use_kernels = True

    def _conv(self, x: torch.Tensor, conv_state: torch.Tensor | None) -> torch.Tensor:
        """Causal depthwise conv + SiLU. x (B, T, d); conv_state (B, d, K-1) updated in place."""
        B, T, d = x.shape
        w = self.conv1d.weight  # (d, 1, K)
        bias = self.conv1d.bias
        if conv_state is not None and T == 1:
            window = torch.cat([conv_state, x.transpose(1, 2)], dim=-1)  # (B, d, K)
            y = (window * w[:, 0, :]).sum(-1)
            if bias is not None:
                y = y + bias
            conv_state.copy_(window[..., 1:])
            return F.silu(y).unsqueeze(1)
        if conv_state is None:
            prev = x.new_zeros(B, self.d_conv - 1, d)
        else:
            prev = conv_state.transpose(1, 2).to(x.dtype)
        xp = torch.cat([prev, x], dim=1)  # (B, K-1+T, d)
        if conv_state is not None:
            conv_state.copy_(xp[:, -(self.d_conv - 1) :].transpose(1, 2))
        y = F.conv1d(xp.transpose(1, 2), w, bias, groups=d).transpose(1, 2)
        return F.silu(y)

    def forward(
        self,
        h: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        fresh: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, _ = h.shape
        x, z = self.in_proj(h).chunk(2, dim=-1)
        conv_state, ssm_state = state if state is not None else (None, None)
        A = -torch.exp(self.A_log.float())
        ks = kernels.available() if (h.is_cuda and self.use_kernels) else None
        if ks is not None and (T > 1 and fresh and ks.causal_conv1d_fn and ks.selective_scan_fn):
            y = self._scan_kernels(x, conv_state, ssm_state, A, ks)
        elif ks is not None and (
            T == 1
            and state is not None
            and ks.causal_conv1d_update
            and ks.selective_state_update
            and not fresh
        ):
            y = self._step_kernels(x, conv_state, ssm_state, A, ks)
        else:
            xc = self._conv(x, conv_state)
            dt_r, Bm, Cm = self.x_proj(xc).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
            dt = F.softplus(F.linear(dt_r, self.dt_proj.weight).float() + self.dt_proj.bias.float())
            u = xc.float()
            D = self.D.float()
            if ssm_state is not None and T == 1:
                y1, new_state = selective_state_step(
                    ssm_state.float(), u[:, 0], dt[:, 0], A, Bm[:, 0].float(), Cm[:, 0].float(), D
                )
                ssm_state.copy_(new_state)
                y = y1.unsqueeze(1)
            else:
                init = None if (ssm_state is None or fresh) else ssm_state
                y, last = selective_scan(u, dt, A, Bm.float(), Cm.float(), D, initial_state=init)
                if ssm_state is not None:
                    ssm_state.copy_(last)
        memory = y.to(h.dtype) if self.export_memory else None
        out = self.out_proj((y * F.silu(z.float())).to(h.dtype))
        return out, memory

    # CUDA fast paths (mamba_ssm / causal_conv1d); y is returned in float32 like the pure path.
    def _scan_kernels(
        self,
        x: torch.Tensor,
        conv_state: torch.Tensor | None,
        ssm_state: torch.Tensor | None,
        A: torch.Tensor,
        ks: SimpleNamespace,
    ) -> torch.Tensor:
        B, T, d = x.shape
        xt = x.transpose(1, 2).contiguous()  # (B, d, T)
        if conv_state is not None:
            k1 = self.d_conv - 1
            tail = xt[..., -k1:]
            if T < k1:
                tail = F.pad(tail, (k1 - T, 0))
            conv_state.copy_(tail)
        w = self.conv1d.weight[:, 0, :]
        xc = ks.causal_conv1d_fn(xt, w, self.conv1d.bias, activation="silu")  # (B, d, T)
        dt_r, Bm, Cm = self.x_proj(xc.transpose(1, 2)).split(
            [self.dt_rank, self.d_state, self.d_state], dim=-1
        )
        dt = F.linear(dt_r, self.dt_proj.weight).transpose(1, 2).contiguous()
        y, last = ks.selective_scan_fn(
            xc,
            dt,
            A,
            Bm.transpose(1, 2).contiguous(),
            Cm.transpose(1, 2).contiguous(),
            self.D.float(),
            z=None,
            delta_bias=self.dt_proj.bias.float(),
            delta_softplus=True,
            return_last_state=True,
        )
        if ssm_state is not None:
            ssm_state.copy_(last)
        out: torch.Tensor = y.transpose(1, 2).float()
        return out

    def _step_kernels(
        self,
        x: torch.Tensor,
        conv_state: torch.Tensor | None,
        ssm_state: torch.Tensor | None,
        A: torch.Tensor,
        ks: SimpleNamespace,
    ) -> torch.Tensor:
        w = self.conv1d.weight[:, 0, :]
        xc = ks.causal_conv1d_update(x[:, 0].contiguous(), conv_state, w, self.conv1d.bias, "silu")
        dt_r, Bm, Cm = self.x_proj(xc).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = F.linear(dt_r, self.dt_proj.weight)
        y = ks.selective_state_update(
            ssm_state,
            xc,
            dt,
            A,
            Bm,
            Cm,
            self.D.float(),
            z=None,
            dt_bias=self.dt_proj.bias.float(),
            dt_softplus=True,
        )
        out: torch.Tensor = y.unsqueeze(1).float()
        return out


class GatedMemoryUnit(nn.Module):
    """GMU (``yoco_cross`` Mamba): out_proj(silu(in_proj(x)) * memory)."""

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.in_proj = nn.Linear(config.hidden_size, config.d_inner, bias=config.mamba_proj_bias)
        self.out_proj = nn.Linear(config.d_inner, config.hidden_size, bias=config.mamba_proj_bias)

    def forward(self, h: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        g = self.in_proj(h)
        out: torch.Tensor = self.out_proj((F.silu(g.float()) * memory.float()).to(h.dtype))
        return out


class DiffAttention(nn.Module):
    """Differential attention: sliding-window, full (the YOCO K/V layer) or cross (queries only)."""

    def __init__(self, config: SambaYConfig, layer_idx: int, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.layer_idx = layer_idx
        H, Hk, hd = config.num_attention_heads, config.num_key_value_heads, config.head_dim
        self.num_heads, self.num_kv_heads, self.head_dim = H, Hk, hd
        self.window = int(config.sliding_window) if kind == SLIDING_ATTENTION else None
        out = H * hd if kind == CROSS_ATTENTION else H * hd + 2 * Hk * hd
        self.Wqkv = nn.Linear(config.hidden_size, out, bias=True)
        self.out_proj = nn.Linear(H * hd, config.hidden_size, bias=True)
        self.inner_cross_attn = DiffAttentionInner(hd, layer_idx)
        self.use_kernels = True

    # ---- layouts
    def _project(
        self, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        B, T, _ = h.shape
        H, Hk, hd = self.num_heads, self.num_kv_heads, self.head_dim
        qkv = self.Wqkv(h)
        q = qkv[..., : H * hd].reshape(B, T, H // 2, 2, hd).permute(0, 3, 2, 1, 4)  # (B,2,H2,T,hd)
        if self.kind == CROSS_ATTENTION:
            return q, None, None
        k = qkv[..., H * hd : (H + Hk) * hd].reshape(B, T, Hk // 2, 2, hd).permute(0, 3, 2, 1, 4)
        v = qkv[..., (H + Hk) * hd :].reshape(B, T, Hk // 2, 2 * hd).transpose(1, 2)  # (B,K2,T,2hd)
        return q, k, v

    def _output(self, o: torch.Tensor) -> torch.Tensor:
        B, _, T, _ = o.shape
        o = self.inner_cross_attn.finish(o)
        out: torch.Tensor = self.out_proj(
            o.transpose(1, 2).reshape(B, T, self.num_heads * self.head_dim)
        )
        return out

    def _fast(self, q: torch.Tensor, st: _Step) -> bool:
        return (
            q.is_cuda
            and self.use_kernels
            and st.fresh
            and kernels.available().flash_attn_func is not None
            and q.dtype in (torch.float16, torch.bfloat16)
        )

    # ---- sliding window
    def forward_sliding(self, h: torch.Tensor, st: _Step, slot: int) -> torch.Tensor:
        q, k, v = self._project(h)
        assert k is not None and v is not None and self.window is not None  # a sliding layer
        lam = self.inner_cross_attn.lam(q.dtype)
        B, T = h.shape[0], h.shape[1]
        W = self.window
        cache = st.cache
        if cache is not None and T == 1:
            rk, rv = cache.ring(slot)
            idx = st.past % W
            rows = torch.arange(B, device=h.device)
            rk[rows, :, :, idx] = k[:, :, :, 0]
            rv[rows, :, idx] = v[:, :, 0]
            mask = None
            if min(st.past_list) + 1 < W:
                slots = torch.arange(W, device=h.device)
                mask = (slots.unsqueeze(0) <= st.past.unsqueeze(1)).view(B, 1, 1, W)
            o = diff_attention(q, rk, rv, lam, mask)
            return self._output(o)
        if self._fast(q, st):
            o = kernels.flash_diff_attention(q, k, v, lam, W)
        else:
            o = self._windowed(q, k, v, lam, st, slot)
        if cache is not None:
            rk, rv = cache.ring(slot)
            n = min(T, W)
            pos = st.q_pos[:, T - n :]  # (B, n)
            slots = pos % W
            rows = torch.arange(B, device=h.device).unsqueeze(1).expand(B, n)
            rk[rows, :, :, slots] = k[:, :, :, T - n :].permute(0, 3, 1, 2, 4)
            rv[rows, :, slots] = v[:, :, T - n :].permute(0, 2, 1, 3)
        return self._output(o)

    def _windowed(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        lam: torch.Tensor,
        st: _Step,
        slot: int,
    ) -> torch.Tensor:
        """Sliding-window attention of T new queries, block by block (work ~ T x 2W, not T^2)."""
        T = q.shape[3]
        W = self.window
        assert W is not None  # only sliding layers call this
        qpos = st.q_pos
        ring = None
        if st.cache is not None and not st.fresh:
            rk, rv = st.cache.ring(slot)
            last = st.past.unsqueeze(1) - 1
            j = torch.arange(W, device=q.device).unsqueeze(0)
            ring_pos = last - torch.remainder(last - j, W)  # position held by slot j (< 0: empty)
            ring = (rk, rv, ring_pos)
        block = max(W, 16)
        outs = []
        for s in range(0, T, block):
            e = min(T, s + block)
            lo = max(0, s - W + 1)
            ks, vs, kpos = k[:, :, :, lo:e], v[:, :, lo:e], qpos[:, lo:e]
            if ring is not None and s < W - 1:
                ks = torch.cat([ring[0], ks], dim=3)
                vs = torch.cat([ring[1], vs], dim=2)
                kpos = torch.cat([ring[2], kpos], dim=1)
            qp = qpos[:, s:e].unsqueeze(2)  # (B, t, 1)
            kp = kpos.unsqueeze(1)  # (B, 1, S)
            mask = (kp <= qp) & (kp > qp - W) & (kp >= 0)
            outs.append(diff_attention(q[:, :, :, s:e], ks, vs, lam, mask.unsqueeze(1)))
        return outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)

    # ---- full attention (YOCO K/V producer)
    def forward_full(self, h: torch.Tensor, st: _Step, keep: int | None) -> torch.Tensor | None:
        q, k, v = self._project(h)
        assert k is not None and v is not None  # the full-attention layer projects K and V
        B, T = h.shape[0], h.shape[1]
        cache = st.cache
        if cache is None:
            K, V, S = k, v, T
        else:
            S = max(st.past_list) + T
            K, V = cache.kv(S)
            if st.uniform:
                p = st.past_list[0]
                K[:, :, :, p : p + T] = k
                V[:, :, p : p + T] = v
            else:
                rows = torch.arange(B, device=h.device).unsqueeze(1).expand(B, T)
                K[rows, :, :, st.q_pos] = k.permute(0, 3, 1, 2, 4)
                V[rows, :, st.q_pos] = v.permute(0, 2, 1, 3)
        st.kv = (K, V)
        if keep == 0:
            return None
        qpos = st.q_pos
        if keep is not None and keep < T:
            q = q[:, :, :, T - keep :]
            qpos = qpos[:, T - keep :]
        Tq = qpos.shape[1]
        # Mask for this layer and every cross-attention layer: key p is visible to query position P
        # iff p <= P (keys beyond a row's length are never visible since P < length + T).
        mask, causal = None, False
        if st.fresh and Tq == S:
            causal = True
        elif not (Tq == 1 and st.uniform):
            kp = torch.arange(S, device=h.device).view(1, 1, S)
            mask = (kp <= qpos.unsqueeze(2)).unsqueeze(1)  # (B, 1, Tq, S)
        st.q_pos, st.kv_mask, st.kv_causal = qpos, mask, causal
        lam = self.inner_cross_attn.lam(q.dtype)
        if self._fast(q, st):
            o = kernels.flash_diff_attention(q, K, V, lam, None)
        else:
            o = diff_attention(q, K, V, lam, mask, causal)
        return self._output(o)

    # ---- cross attention (queries only; K/V of the full-attention layer)
    def forward_cross(self, h: torch.Tensor, st: _Step) -> torch.Tensor:
        q, _, _ = self._project(h)
        assert st.kv is not None  # the full-attention layer ran first in this call
        K, V = st.kv
        lam = self.inner_cross_attn.lam(q.dtype)
        if self._fast(q, st):
            o = kernels.flash_diff_attention(q, K, V, lam, None)
        else:
            o = diff_attention(q, K, V, lam, st.kv_mask, st.kv_causal)
        return self._output(o)


class MLP(nn.Module):
    """SwiGLU: fc2(silu(gate) * up) with fc1 = [gate; up]."""

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        gate, up = self.fc1(h).chunk(2, dim=-1)
        out: torch.Tensor = self.fc2((F.silu(gate.float()) * up.float()).to(h.dtype))
        return out


class DecoderLayer(nn.Module):
    def __init__(self, config: SambaYConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.kind = config.layer_kind(layer_idx)
        eps = config.layer_norm_eps
        self.input_layernorm = nn.LayerNorm(config.hidden_size, eps=eps)
        if self.kind in (MAMBA, MEMORY_MAMBA):
            self.attn: Mamba | GatedMemoryUnit | DiffAttention = Mamba(
                config, layer_idx, export_memory=self.kind == MEMORY_MAMBA
            )
        elif self.kind == GMU:
            self.attn = GatedMemoryUnit(config)
        else:
            self.attn = DiffAttention(config, layer_idx, self.kind)
        self.post_attention_layernorm = nn.LayerNorm(config.hidden_size, eps=eps)
        self.mlp = MLP(config)


class SambaYModel(nn.Module):
    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        pad = config.pad_token_id
        pad = pad if pad is not None and 0 <= pad < config.vocab_size else None
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=pad)
        self.layers = nn.ModuleList(
            DecoderLayer(config, i) for i in range(config.num_hidden_layers)
        )
        self.final_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)


class SambaYForCausalLM(nn.Module):
    """The causal LM (``Phi4FlashForCausalLM``). ``lm_head`` is tied to ``model.embed_tokens``."""

    # Set by checkpoint.load_model / load_checkpoint (absent on a model built in memory).
    generation_config: dict[str, Any]
    eos_token_ids: list[int]

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.config = config
        self.model = SambaYModel(config)
        if not config.tie_word_embeddings:
            self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self._mamba_slot = {i: j for j, i in enumerate(config.mamba_layers)}
        self._sliding_slot = {i: j for j, i in enumerate(config.sliding_layers)}
        self.forward_calls = 0  # every forward() call; a batched decode step is one call

    # ------------------------------------------------------------------ properties / helpers
    @property
    def dtype(self) -> torch.dtype:
        return self.model.embed_tokens.weight.dtype

    @property
    def device(self) -> torch.device:
        return self.model.embed_tokens.weight.device

    def output_embeddings(self) -> torch.Tensor:
        if self.config.tie_word_embeddings:
            return self.model.embed_tokens.weight
        return self.lm_head.weight

    def set_dtype(self, dtype: torch.dtype) -> SambaYForCausalLM:
        """Cast to ``dtype``, keeping A_log and the lambda vectors in float32."""
        for name, p in self.named_parameters():
            target = torch.float32 if keeps_fp32(name) else dtype
            if p.dtype != target:
                p.data = p.data.to(target)
        return self

    def set_kernels(self, enabled: bool) -> None:
        """Enable/disable the optional CUDA kernels (the pure-PyTorch path is used when off)."""
        for m in self.modules():
            if isinstance(m, (Mamba, DiffAttention)):  # the layers with a CUDA fast path
                m.use_kernels = enabled

    def new_cache(
        self, batch_size: int = 1, capacity: int = 0, ssm_dtype: torch.dtype = torch.float32
    ) -> SambaYCache:
        """A cache with ``batch_size`` empty active rows (more can join with ``add_row``)."""
        cache = SambaYCache(
            self.config,
            max(1, batch_size),
            dtype=self.dtype,
            device=self.device,
            capacity=capacity,
            ssm_dtype=ssm_dtype,
        )
        for _ in range(batch_size):
            cache.add_row()
        return cache

    @torch.no_grad()
    def init_weights(self, seed: int = 0, std: float | None = None, perturb: bool = False) -> None:
        """Random initialisation (deterministic for a seed).

        std defaults to config.initializer_range.  With ``perturb`` the norms, biases, D, dt bias and
        lambdas are randomised too (tests use it so that every parameter influences the output).
        """
        g = torch.Generator().manual_seed(seed)
        std = self.config.initializer_range if std is None else std

        def rnd(p: torch.Tensor, scale: float, mean: float = 0.0) -> None:
            t = torch.randn(p.shape, generator=g, dtype=torch.float32) * scale + mean
            p.copy_(t.to(p.dtype))

        for name, p in self.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            parent = name.rsplit(".", 2)[-2] if name.count(".") >= 1 else ""
            if leaf == "A_log":
                N = p.shape[1]
                base = torch.log(torch.arange(1, N + 1, dtype=torch.float32)).expand_as(p)
                if perturb:
                    base = base + 0.1 * torch.randn(p.shape, generator=g)
                p.copy_(base)
            elif leaf == "D":
                rnd(p, 0.2 if perturb else 0.0, 1.0)
            elif leaf.startswith("lambda_"):
                rnd(p, 0.1)
            elif parent == "dt_proj" and leaf == "bias":
                # Mamba's init: dt ~ logU(1e-3, 1e-1); bias = softplus^-1(dt)
                dt = torch.exp(
                    torch.rand(p.shape, generator=g) * (math.log(0.1) - math.log(1e-3))
                    + math.log(1e-3)
                )
                p.copy_((dt + torch.log(-torch.expm1(-dt))).to(p.dtype))
            elif parent in (
                "input_layernorm",
                "post_attention_layernorm",
                "final_layernorm",
                "subln",
            ):
                if leaf == "weight":
                    rnd(p, 0.1 if perturb else 0.0, 1.0)
                else:
                    rnd(p, 0.02 if perturb else 0.0)
            elif leaf == "bias":
                rnd(p, 0.02 if perturb else 0.0)
            elif parent == "conv1d":
                rnd(p, 0.3)
            else:
                rnd(p, std)

    # ------------------------------------------------------------------ forward
    def forward(
        self,
        input_ids: torch.Tensor,
        cache: SambaYCache | None = None,
        logits_to_keep: int | None = None,
    ) -> torch.Tensor | None:
        """Logits (float32) for ``input_ids`` (B, T).

        cache: None for a stateless full forward; otherwise a :class:`SambaYCache` whose active rows
        (``cache.n == B``) are continued by these T tokens each, and updated in place.
        logits_to_keep: None = all T positions, k = the last k (YOCO: the cross-decoder runs for
        those only), 0 = none (returns None after the full-attention layer wrote its K/V).
        """
        self.forward_calls += 1
        if input_ids.dim() == 1:
            input_ids = input_ids.unsqueeze(0)
        B, T = input_ids.shape
        if cache is not None:
            cache.reserve(max(cache.lengths, default=0) + T)
        st = _Step(cache, B, T, input_ids.device)
        dtype = self.dtype
        x = self.model.embed_tokens(input_ids).float()  # residual stream in float32
        memory: torch.Tensor | None = None
        stopped = False
        for layer in self.model.layers:
            assert isinstance(layer, DecoderLayer)
            h = layer.input_layernorm(x.to(dtype))
            kind = layer.kind
            i = layer.layer_idx
            attn = layer.attn  # its class follows from kind (DecoderLayer.__init__)
            if isinstance(attn, Mamba):  # MAMBA, MEMORY_MAMBA
                state = cache.mamba_state(self._mamba_slot[i]) if cache is not None else None
                out, mem = attn(h, state, fresh=st.fresh)
                if mem is not None:
                    memory = mem
            elif isinstance(attn, GatedMemoryUnit):  # GMU: after the memory layer
                assert memory is not None
                out = attn(h, memory)
            elif kind == SLIDING_ATTENTION:
                out = attn.forward_sliding(h, st, self._sliding_slot[i])
            elif kind == FULL_ATTENTION:
                full = attn.forward_full(h, st, logits_to_keep)
                if full is None:
                    stopped = True
                    break
                out = full
                if out.shape[1] != T:
                    assert memory is not None  # the memory layer precedes the YOCO K/V layer
                    x = x[:, -out.shape[1] :]
                    memory = memory[:, -out.shape[1] :]
            else:  # CROSS_ATTENTION
                out = attn.forward_cross(h, st)
            x = x + out.float()
            x = x + layer.mlp(layer.post_attention_layernorm(x.to(dtype))).float()
        if cache is not None:
            cache.advance(T)
        if stopped:
            return None
        if logits_to_keep is not None and x.shape[1] > logits_to_keep:
            x = x[:, -logits_to_keep:]
        h = self.model.final_layernorm(x.to(dtype))
        return F.linear(h, self.output_embeddings()).float()

    @torch.no_grad()
    def prefill(
        self,
        input_ids: torch.Tensor,
        cache: SambaYCache,
        chunk_size: int | None = 2048,
        logits_to_keep: int | None = 1,
    ) -> torch.Tensor | None:
        """Feed a prompt (B, T) into ``cache`` in chunks; returns the logits of the final chunk's
        last ``logits_to_keep`` positions (None = all positions of every chunk, concatenated)."""
        if input_ids.dim() == 1:
            input_ids = input_ids.unsqueeze(0)
        T = input_ids.shape[1]
        chunk = chunk_size or T
        outs = []
        for s in range(0, T, chunk):
            e = min(T, s + chunk)
            last = e == T
            keep = None if logits_to_keep is None else (logits_to_keep if last else 0)
            out = self.forward(input_ids[:, s:e], cache, logits_to_keep=keep)
            if out is not None:
                outs.append(out)
        if not outs:
            return None
        return outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
