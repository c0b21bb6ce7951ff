"""Mamba-1 selective scan in pure PyTorch.

The recurrence, per channel d and state index n (s_{-1} = initial state, zero for a new sequence):

    s_t = exp(dt_t * A) * s_{t-1} + dt_t * B_t * u_t
    y_t = <C_t, s_t> + D * u_t

``selective_scan`` evaluates it for a whole prompt without a Python loop over tokens: the sequence
is cut into chunks; inside a chunk the linear recurrence s_t = a_t * s_{t-1} + b_t is solved with a
Hillis-Steele inclusive scan of the pairs (a_t, b_t) under the associative operator
(a1, b1) o (a2, b2) = (a1 * a2, a2 * b1 + b2), i.e. ceil(log2(chunk)) vectorised steps; the state
carried from one chunk to the next is folded in afterwards (s_t = A_t * s_start + B_t).  When
gradients are needed (training) ``selective_scan_train`` runs the same scan without a graph and
differentiates it by hand (the adjoint recurrence is a reverse scan of the same kind).  Every
factor is exp(dt * A) <= 1, so nothing overflows, unlike a cumsum-of-logs formulation.  Chunking
bounds the (batch, chunk, d_inner, d_state) working set.

``selective_scan_ref`` is the token-by-token loop, kept as the reference the tests compare against;
``selective_state_step`` is the one-token update used when decoding.
"""

from __future__ import annotations

from typing import Any

import torch

# Working-set target (elements of one (b, chunk, d, n) tensor).  Small chunks stay in cache on CPU.
_CPU_TARGET_ELEMS = 1 << 17
_GPU_TARGET_ELEMS = 1 << 24
# Tokens per chunk when training (measured on a 2-core CPU: chunk 8 is fastest, 16 and 32 slower).
_TRAIN_CHUNK = 8


def _auto_chunk(b: int, d: int, n: int, device: torch.device) -> int:
    target = _GPU_TARGET_ELEMS if device.type == "cuda" else _CPU_TARGET_ELEMS
    c = max(1, target // max(1, b * d * n))
    c = 1 << (c.bit_length() - 1)  # power of two <= c
    return int(min(256, max(8, c)))


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor | None = None,
    initial_state: torch.Tensor | None = None,
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Chunked parallel selective scan.

    Args:
        u, delta: (b, l, d) float32 (delta already passed through softplus).
        A: (d, n) float32 (negative).
        B, C: (b, l, n) float32 (shared by all channels: n_groups = 1).
        D: (d,) skip weight or None.
        initial_state: (b, d, n) or None (zeros).
        chunk_size: tokens per chunk; default picks one from the working-set size.

    Returns:
        y: (b, l, d) and the final state (b, d, n), both float32.
    """
    b, length, d = u.shape
    n = A.shape[1]
    if initial_state is None:
        state = u.new_zeros(b, d, n)
    else:
        state = initial_state.to(torch.float32)
    if length == 0:
        return u.new_zeros(b, 0, d), state
    if torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (u, delta, A, B, C, D, initial_state)
    ):
        # Training: the in-place updates below would destroy what autograd needs.
        return selective_scan_train(
            u, delta, A, B, C, D, initial_state, chunk_size=chunk_size or _TRAIN_CHUNK
        )
    chunk = chunk_size or _auto_chunk(b, d, n, u.device)
    ys = []
    for start in range(0, length, chunk):
        end = min(length, start + chunk)
        c = end - start
        dt = delta[:, start:end]  # (b, c, d)
        a = torch.exp(dt.unsqueeze(-1) * A)  # (b, c, d, n)   decay factors
        x = (dt * u[:, start:end]).unsqueeze(-1) * B[:, start:end].unsqueeze(2)  # (b, c, d, n)
        off = 1
        while off < c:  # log2(c) vectorised steps, not a loop over tokens
            # x[t] <- a[t] * x[t - off] + x[t]; the right side is evaluated before the write
            x[:, off:] += a[:, off:] * x[:, :-off]
            a[:, off:] = a[:, off:] * a[:, :-off]
            off *= 2
        # a[t] is now the product of decays since the chunk start, x[t] the state from a zero start.
        states = torch.addcmul(x, a, state.unsqueeze(1))  # (b, c, d, n)
        ys.append(torch.matmul(states, C[:, start:end].unsqueeze(-1)).squeeze(-1))  # (b, c, d)
        state = states[:, -1].clone()
    y = torch.cat(ys, dim=1) if len(ys) > 1 else ys[0]
    if D is not None:
        y = y + D * u
    return y, state


def selective_scan_ref(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor | None = None,
    initial_state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-by-token reference (a Python loop over tokens); same signature as selective_scan."""
    b, length, d = u.shape
    state = (
        u.new_zeros(b, d, A.shape[1]) if initial_state is None else initial_state.to(torch.float32)
    )
    ys = []
    for t in range(length):
        y_t, state = selective_state_step(state, u[:, t], delta[:, t], A, B[:, t], C[:, t], D)
        ys.append(y_t)
    y = torch.stack(ys, dim=1) if ys else u.new_zeros(b, 0, d)
    return y, state


def selective_state_step(
    state: torch.Tensor,
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One recurrence step. state (b, d, n); u, delta (b, d); B, C (b, n). Returns (y (b, d), state)."""
    state = torch.exp(delta.unsqueeze(-1) * A) * state + (delta * u).unsqueeze(-1) * B.unsqueeze(1)
    y = torch.matmul(state, C.unsqueeze(-1)).squeeze(-1)
    if D is not None:
        y = y + D * u
    return y, state


# ---------------------------------------------------------------------------------------------
# training: the same recurrence with a hand-written backward
# ---------------------------------------------------------------------------------------------
def _scan_states(a: torch.Tensor, x: torch.Tensor, s0: torch.Tensor, chunk: int) -> torch.Tensor:
    """Every state of s_t = a_t * s_{t-1} + x_t for t = 0..l-1 (a, x: (b, l, d, n); s0: (b, d, n)).

    Works in place on ``a`` and ``x`` (callers pass their own buffers); returns the states in ``x``.
    """
    length = a.shape[1]
    state = s0
    for start in range(0, length, chunk):
        end = min(length, start + chunk)
        ac, xc = a[:, start:end], x[:, start:end]
        off = 1
        while off < end - start:
            xc[:, off:] += ac[:, off:] * xc[:, :-off]
            ac[:, off:] = ac[:, off:] * ac[:, :-off]
            off *= 2
        xc.addcmul_(ac, state.unsqueeze(1))
        state = xc[:, -1]
    return x


class _SelectiveScanFn(torch.autograd.Function):
    """``selective_scan`` for training: forward runs the fast in-place scan without building a
    graph; backward runs the adjoint recurrence (a reverse scan of the same kind), so a training
    step costs a few passes over the (b, l, d, n) states instead of thousands of small autograd
    nodes."""

    @staticmethod
    @torch.amp.custom_fwd(device_type="cpu", cast_inputs=torch.float32)
    def forward(
        ctx: Any,
        u: torch.Tensor,
        delta: torch.Tensor,
        A: torch.Tensor,
        B: torch.Tensor,
        C: torch.Tensor,
        D: torch.Tensor,
        s0: torch.Tensor,
        chunk: int,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        a = torch.exp(delta.unsqueeze(-1) * A)
        x = (delta * u).unsqueeze(-1) * B.unsqueeze(2)
        states = _scan_states(a, x, s0, chunk)
        y = torch.matmul(states, C.unsqueeze(-1)).squeeze(-1) + D * u
        ctx.save_for_backward(u, delta, A, B, C, D, s0, states)
        ctx.chunk = chunk
        return y, states[:, -1].clone()

    @staticmethod
    @torch.amp.custom_bwd(device_type="cpu")
    def backward(
        ctx: Any, gy: torch.Tensor, g_last: torch.Tensor | None
    ) -> tuple[torch.Tensor | None, ...]:
        u, delta, A, B, C, D, s0, states = ctx.saved_tensors
        a = torch.exp(delta.unsqueeze(-1) * A)  # (b, l, d, n)
        # Adjoint: gs_t = gy_t C_t + a_{t+1} gs_{t+1}, a scan of the same kind run backwards.
        gs = gy.unsqueeze(-1) * C.unsqueeze(2)
        if g_last is not None:
            gs[:, -1] += g_last
        a_next = torch.zeros_like(a)
        a_next[:, :-1] = a[:, 1:]
        _scan_states_reverse(a_next, gs, ctx.chunk)
        g_log_a = gs * a  # d(loss)/d(delta * A) = gs_t * a_t * s_{t-1}
        g_log_a[:, 1:] *= states[:, :-1]
        g_log_a[:, 0] *= s0
        g_s0 = a[:, 0] * gs[:, 0]
        gs_b = torch.matmul(gs, B.unsqueeze(-1)).squeeze(-1)  # sum_n gs * B: (b, l, d)
        g_delta = (g_log_a * A).sum(-1) + gs_b * u
        g_A = (g_log_a * delta.unsqueeze(-1)).sum((0, 1))
        g_u = gs_b * delta + gy * D
        g_B = torch.matmul((delta * u).unsqueeze(2), gs).squeeze(2)  # sum_d gs * delta * u
        g_C = torch.matmul(gy.unsqueeze(2), states).squeeze(2)  # sum_d gy * s
        g_D = (gy * u).sum((0, 1))
        return g_u, g_delta, g_A, g_B, g_C, g_D, g_s0, None


def _scan_states_reverse(a: torch.Tensor, x: torch.Tensor, chunk: int) -> torch.Tensor:
    """In place: x_t <- a_t * x_{t+1} + x_t for t = l-1..0 (a_{l-1} multiplies a zero state)."""
    length = a.shape[1]
    state = None
    for end in range(length, 0, -chunk):
        start = max(0, end - chunk)
        ac, xc = a[:, start:end], x[:, start:end]
        off = 1
        while off < end - start:
            xc[:, :-off] += ac[:, :-off] * xc[:, off:]
            ac[:, :-off] = ac[:, :-off] * ac[:, off:]
            off *= 2
        if state is not None:
            xc.addcmul_(ac, state.unsqueeze(1))
        state = xc[:, 0]
    return x


def selective_scan_train(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor | None = None,
    initial_state: torch.Tensor | None = None,
    chunk_size: int = 16,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Differentiable ``selective_scan`` (same arguments and results) with an analytic backward."""
    b, _, d = u.shape
    if D is None:
        D = u.new_zeros(d)
    s0 = u.new_zeros(b, d, A.shape[1]) if initial_state is None else initial_state.float()
    out: tuple[torch.Tensor, torch.Tensor] = _SelectiveScanFn.apply(
        u, delta, A, B, C, D, s0, chunk_size
    )
    return out
