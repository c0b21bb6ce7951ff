"""A plain Transformer decoder for the benchmark (Phi-4-mini style).

Same width, depth, heads, kv heads, MLP size, vocabulary and dtype as a given SambaY config, but
every layer is GQA self-attention with RoPE and an ordinary KV cache that grows by
``2 x kv_heads x head_dim`` values per token **in every layer**; RMSNorm pre-norm, SwiGLU MLP, tied
embeddings.  Attention uses the same kernels as SambaY (explicit matmuls for decode on CPU,
``scaled_dot_product_attention`` otherwise) so the comparison measures the architecture.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import SambaYConfig
from .model import _MANUAL_ATTENTION_ROWS, _causal_mask


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(
            x.dtype
        )


def _rope(x: torch.Tensor, pos: torch.Tensor, theta: float) -> torch.Tensor:
    """Rotary embedding (rotate-half form) of x (B, H, T, hd) at positions pos (T,)."""
    hd = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, device=x.device, dtype=torch.float32) / hd))
    ang = pos.float().unsqueeze(-1) * inv  # (T, hd/2)
    cos, sin = ang.cos().repeat(1, 2).to(x.dtype), ang.sin().repeat(1, 2).to(x.dtype)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
    """GQA attention; q (B, H, T, hd), k/v (B, Hk, S, hd); causal is bottom-right aligned."""
    B, H, T, hd = q.shape
    Hk, S = k.shape[1], k.shape[2]
    G = H // Hk
    if q.device.type == "cpu" and q.dtype == torch.float32 and G * T <= _MANUAL_ATTENTION_ROWS:
        qf = q.reshape(B, Hk, G * T, hd)
        s = torch.matmul(qf, k.transpose(-1, -2)).mul_(hd**-0.5)
        if causal and T > 1:
            m = _causal_mask(T, S, q.device).repeat(1, 1, G, 1)
            s = s.masked_fill(~m, float("-inf"))
        return torch.matmul(torch.softmax(s, dim=-1), v).view(B, H, T, hd)
    if causal and T > 1 and T != S:
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=_causal_mask(T, S, q.device), enable_gqa=G > 1
        )
    return F.scaled_dot_product_attention(q, k, v, is_causal=causal and T > 1, enable_gqa=G > 1)


class KVCache:
    """One row, every layer: k/v (layers, 1, kv_heads, capacity, head_dim)."""

    def __init__(
        self,
        layers: int,
        kv_heads: int,
        head_dim: int,
        capacity: int,
        dtype: torch.dtype,
        device: torch.device | str,
    ) -> None:
        self.k = torch.zeros(layers, 1, kv_heads, capacity, head_dim, dtype=dtype, device=device)
        self.v = torch.zeros_like(self.k)
        self.length = 0

    def row_nbytes(self) -> int:
        L, _, hk, _, hd = self.k.shape
        return 2 * L * hk * hd * self.length * self.k.element_size()


class _Layer(nn.Module):
    def __init__(self, c: SambaYConfig) -> None:
        super().__init__()
        H, Hk, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.H, self.Hk, self.hd, self.theta = H, Hk, hd, c.rope_theta
        self.input_layernorm = RMSNorm(c.hidden_size, c.layer_norm_eps)
        self.qkv_proj = nn.Linear(c.hidden_size, (H + 2 * Hk) * hd, bias=False)
        self.o_proj = nn.Linear(H * hd, c.hidden_size, bias=False)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.layer_norm_eps)
        self.gate_up_proj = nn.Linear(c.hidden_size, 2 * c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, cache: KVCache | None, idx: int) -> torch.Tensor:
        B, T, _ = x.shape
        H, Hk, hd = self.H, self.Hk, self.hd
        h = self.input_layernorm(x)
        qkv = self.qkv_proj(h)
        q = qkv[..., : H * hd].view(B, T, H, hd).transpose(1, 2)
        k = qkv[..., H * hd : (H + Hk) * hd].view(B, T, Hk, hd).transpose(1, 2)
        v = qkv[..., (H + Hk) * hd :].view(B, T, Hk, hd).transpose(1, 2)
        p0 = cache.length if cache is not None else 0
        pos = torch.arange(p0, p0 + T, device=x.device)
        q, k = _rope(q, pos, self.theta), _rope(k, pos, self.theta)
        if cache is not None:
            cache.k[idx, :, :, p0 : p0 + T] = k
            cache.v[idx, :, :, p0 : p0 + T] = v
            k, v = cache.k[idx, :, :, : p0 + T], cache.v[idx, :, :, : p0 + T]
        o = attention(q, k, v, causal=True)
        x = x + self.o_proj(o.transpose(1, 2).reshape(B, T, H * hd))
        g, u = self.gate_up_proj(self.post_attention_layernorm(x)).chunk(2, dim=-1)
        out: torch.Tensor = x + self.down_proj(F.silu(g) * u)
        return out


class BaselineTransformer(nn.Module):
    """Transformer with the width/depth of ``config`` and a KV cache on every layer."""

    def __init__(self, config: SambaYConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.layer_norm_eps)

    @torch.no_grad()
    def init_weights(self, seed: int = 0, std: float = 0.02) -> None:
        g = torch.Generator().manual_seed(seed)
        for name, p in self.named_parameters():
            if "layernorm" in name or name.startswith("norm"):
                p.fill_(1.0)
            else:
                p.copy_((torch.randn(p.shape, generator=g) * std).to(p.dtype))

    def new_cache(self, capacity: int) -> KVCache:
        c = self.config
        w = self.embed_tokens.weight
        return KVCache(
            c.num_hidden_layers, c.num_key_value_heads, c.head_dim, capacity, w.dtype, w.device
        )

    def forward(
        self,
        input_ids: torch.Tensor,
        cache: KVCache | None = None,
        logits_to_keep: int | None = None,
    ) -> torch.Tensor | None:
        T = input_ids.shape[1]
        x = self.embed_tokens(input_ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, cache, i)
        if cache is not None:
            cache.length += T
        if logits_to_keep == 0:
            return None
        if logits_to_keep is not None:
            x = x[:, -logits_to_keep:]
        return F.linear(self.norm(x), self.embed_tokens.weight).float()

    @torch.no_grad()
    def prefill(
        self,
        input_ids: torch.Tensor,
        cache: KVCache,
        chunk_size: int | None = 2048,
        logits_to_keep: int | None = 1,
    ) -> torch.Tensor | None:
        T = input_ids.shape[1]
        chunk = chunk_size or T
        out = None
        for s in range(0, T, chunk):
            e = min(T, s + chunk)
            out = self.forward(input_ids[:, s:e], cache, logits_to_keep if e == T else 0)
        return out
