"""Decoding state of SambaY: a pool of per-sequence rows.

Per sequence (one row) the model keeps

* for every self-decoder Mamba layer (and the memory layer): the last ``d_conv - 1`` raw conv inputs
  ``(d_inner, d_conv - 1)`` and the SSM state ``(d_inner, d_state)``;
* for every sliding-window layer: a ring buffer of exactly ``sliding_window`` keys and values; the
  key of position p lives in slot ``p % window``.  The model has no positional encoding, so the order
  of the slots is irrelevant: a query only needs the *set* of the last ``window`` keys;
* for the single full-attention layer (``config.kv_layer``): the keys and values of every position
  so far, read by that layer and by every cross-attention layer (YOCO);
* nothing for the GMU and cross-attention layers.

Keys and values are stored in the layout the differential attention reads without copying:
``k`` as ``(2, kv_heads / 2, S, head_dim)`` (index 0 = even kv heads "k1", 1 = odd heads "k2") and
``v`` as ``(kv_heads / 2, S, 2 * head_dim)`` (``cat(v1, v2)`` per kv sub-head).  The bytes are the
same as the usual ``(kv_heads, S, head_dim)`` pair.

``SambaYCache`` holds ``max_rows`` such rows; rows ``[0, n)`` are in use and are what a model call
with this cache works on (input batch == ``n``).  Rows join with ``add_row`` / ``import_row`` and leave
with ``remove_row`` (the last row moves into the hole, so the active rows stay a contiguous prefix and
a decode step needs no gather).  The growing K/V has a per-pool capacity that doubles when needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import SambaYConfig


@dataclass
class SequenceState:
    """A self-contained copy of one sequence's cache (exactly sized: K/V hold ``length`` positions)."""

    length: int
    conv: torch.Tensor  # (n_mamba, d_inner, d_conv - 1)
    ssm: torch.Tensor  # (n_mamba, d_inner, d_state)
    ring_k: torch.Tensor  # (n_sliding, 2, kv_heads/2, window, head_dim)
    ring_v: torch.Tensor  # (n_sliding, kv_heads/2, window, 2*head_dim)
    kv_k: torch.Tensor  # (2, kv_heads/2, length, head_dim)
    kv_v: torch.Tensor  # (kv_heads/2, length, 2*head_dim)

    def tensors(self) -> dict[str, torch.Tensor]:
        return {
            "conv": self.conv,
            "ssm": self.ssm,
            "ring_k": self.ring_k,
            "ring_v": self.ring_v,
            "kv_k": self.kv_k,
            "kv_v": self.kv_v,
        }

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.tensors().values())


class SambaYCache:
    """A pool of decoding rows for one SambaY model (see the module docstring)."""

    # The storage, (re)allocated by _alloc_rows.
    conv: torch.Tensor
    ssm: torch.Tensor
    ring_k: torch.Tensor
    ring_v: torch.Tensor
    kv_k: torch.Tensor
    kv_v: torch.Tensor

    def __init__(
        self,
        config: SambaYConfig,
        max_rows: int = 1,
        *,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str = "cpu",
        capacity: int = 0,
        ssm_dtype: torch.dtype = torch.float32,
    ) -> None:
        self.config = config
        self.dtype = dtype
        self.ssm_dtype = ssm_dtype
        self.device = torch.device(device)
        c = config
        self.n_mamba = len(c.mamba_layers)
        self.n_sliding = len(c.sliding_layers)
        self.window = int(c.sliding_window)
        self.kv_half = c.num_key_value_heads // 2
        self.head_dim = c.head_dim
        self.d_inner = c.d_inner
        self.conv_width = c.mamba_d_conv - 1
        self.d_state = c.mamba_d_state
        self.n = 0
        self._lengths: list[int] = []
        self._rows = 0
        self._capacity = 0
        self._alloc_rows(max(1, max_rows), max(0, capacity))

    # ------------------------------------------------------------------ storage
    def _zeros(self, *shape: int, dtype: torch.dtype | None = None) -> torch.Tensor:
        return torch.zeros(*shape, dtype=dtype or self.dtype, device=self.device)

    def _alloc_rows(self, rows: int, capacity: int) -> None:
        """(Re)allocate storage for ``rows`` rows and K/V ``capacity``, keeping the live rows."""
        hk, hd, W = self.kv_half, self.head_dim, self.window
        new = {
            "conv": self._zeros(self.n_mamba, rows, self.d_inner, self.conv_width),
            "ssm": self._zeros(
                self.n_mamba, rows, self.d_inner, self.d_state, dtype=self.ssm_dtype
            ),
            "ring_k": self._zeros(self.n_sliding, rows, 2, hk, W, hd),
            "ring_v": self._zeros(self.n_sliding, rows, hk, W, 2 * hd),
            "kv_k": self._zeros(rows, 2, hk, capacity, hd),
            "kv_v": self._zeros(rows, hk, capacity, 2 * hd),
        }
        if self._rows:
            n, cap = self.n, min(self._capacity, capacity)
            new["conv"][:, :n] = self.conv[:, :n]
            new["ssm"][:, :n] = self.ssm[:, :n]
            new["ring_k"][:, :n] = self.ring_k[:, :n]
            new["ring_v"][:, :n] = self.ring_v[:, :n]
            new["kv_k"][:n, :, :, :cap] = self.kv_k[:n, :, :, :cap]
            new["kv_v"][:n, :, :cap] = self.kv_v[:n, :, :cap]
        self.conv, self.ssm = new["conv"], new["ssm"]
        self.ring_k, self.ring_v = new["ring_k"], new["ring_v"]
        self.kv_k, self.kv_v = new["kv_k"], new["kv_v"]
        self._rows, self._capacity = rows, capacity
        self._lengths_t = torch.tensor(
            self._lengths + [0] * (rows - self.n), dtype=torch.long, device=self.device
        )

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def max_rows(self) -> int:
        return self._rows

    def reserve(self, length: int) -> None:
        """Make room for ``length`` positions of the growing K/V in every row (amortised doubling)."""
        if length > self._capacity:
            new_cap = max(length, 2 * self._capacity, 64)
            new_cap = (new_cap + 63) // 64 * 64
            self._alloc_rows(self._rows, new_cap)

    # ------------------------------------------------------------------ rows
    def add_row(self) -> int:
        """Append an empty (length-0) row; returns its index (== the old ``n``)."""
        if self.n == self._rows:
            self._alloc_rows(2 * self._rows, self._capacity)
        i = self.n
        self._clear_row(i)
        self.n += 1
        self._lengths.append(0)
        self._lengths_t[i] = 0
        return i

    def _clear_row(self, i: int) -> None:
        self.conv[:, i].zero_()
        self.ssm[:, i].zero_()
        # Ring and K/V slots beyond a row's length are masked, but keep them finite: stale values are
        # finite already, fresh storage is zero.

    def remove_row(self, i: int) -> int | None:
        """Drop row ``i``. The last row moves into its place; returns the index it moved from, or None."""
        if not 0 <= i < self.n:
            raise IndexError(i)
        last = self.n - 1
        moved = None
        if i != last:
            self._copy_row(last, i)
            moved = last
        self.n -= 1
        self._lengths.pop()
        self._lengths_t[self.n] = 0
        return moved

    def _copy_row(self, src: int, dst: int) -> None:
        length = self._lengths[src]
        self.conv[:, dst] = self.conv[:, src]
        self.ssm[:, dst] = self.ssm[:, src]
        self.ring_k[:, dst] = self.ring_k[:, src]
        self.ring_v[:, dst] = self.ring_v[:, src]
        self.kv_k[dst, :, :, :length] = self.kv_k[src, :, :, :length]
        self.kv_v[dst, :, :length] = self.kv_v[src, :, :length]
        self._lengths[dst] = length
        self._lengths_t[dst] = length

    def clear(self) -> None:
        self.n = 0
        self._lengths = []
        self._lengths_t.zero_()

    def export_row(self, i: int) -> SequenceState:
        """A standalone, exactly-sized copy of row ``i``."""
        if not 0 <= i < self.n:
            raise IndexError(i)
        length = self._lengths[i]
        return SequenceState(
            length=length,
            conv=self.conv[:, i].clone(),
            ssm=self.ssm[:, i].clone(),
            ring_k=self.ring_k[:, i].clone(),
            ring_v=self.ring_v[:, i].clone(),
            kv_k=self.kv_k[i, :, :, :length].clone(),
            kv_v=self.kv_v[i, :, :length].clone(),
        )

    def import_row(self, state: SequenceState) -> int:
        """Append a row holding ``state``; returns its index."""
        self.reserve(state.length)
        i = self.add_row()
        self.conv[:, i] = state.conv
        self.ssm[:, i] = state.ssm
        self.ring_k[:, i] = state.ring_k
        self.ring_v[:, i] = state.ring_v
        self.kv_k[i, :, :, : state.length] = state.kv_k
        self.kv_v[i, :, : state.length] = state.kv_v
        self._lengths[i] = state.length
        self._lengths_t[i] = state.length
        return i

    def import_from(self, other: SambaYCache, row: int = 0) -> int:
        """Append a copy of ``other``'s row ``row`` (e.g. a sequence prefilled in its own cache)."""
        length = other.lengths[row]
        self.reserve(length)
        i = self.add_row()
        self.conv[:, i] = other.conv[:, row]
        self.ssm[:, i] = other.ssm[:, row]
        self.ring_k[:, i] = other.ring_k[:, row]
        self.ring_v[:, i] = other.ring_v[:, row]
        self.kv_k[i, :, :, :length] = other.kv_k[row, :, :, :length]
        self.kv_v[i, :, :length] = other.kv_v[row, :, :length]
        self._lengths[i] = length
        self._lengths_t[i] = length
        return i

    # ------------------------------------------------------------------ what the model reads
    @property
    def lengths(self) -> list[int]:
        """Tokens already cached per active row."""
        return list(self._lengths)

    def lengths_tensor(self) -> torch.Tensor:
        return self._lengths_t[: self.n]

    def mamba_state(self, j: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(conv (n, d_inner, d_conv-1), ssm (n, d_inner, d_state)) views of Mamba layer slot j."""
        return self.conv[j, : self.n], self.ssm[j, : self.n]

    def ring(self, j: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(k (n, 2, kv/2, W, hd), v (n, kv/2, W, 2hd)) views of sliding-window layer slot j."""
        return self.ring_k[j, : self.n], self.ring_v[j, : self.n]

    def kv(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(k (n, 2, kv/2, length, hd), v (n, kv/2, length, 2hd)) views of the growing K/V."""
        return self.kv_k[: self.n, :, :, :length], self.kv_v[: self.n, :, :length]

    def advance(self, tokens: int) -> None:
        self._lengths = [x + tokens for x in self._lengths]
        self._lengths_t[: self.n] += tokens

    # ------------------------------------------------------------------ accounting
    def fixed_row_nbytes(self) -> int:
        """Bytes per row that do not depend on the sequence length."""
        e = torch.tensor([], dtype=self.dtype).element_size()
        es = torch.tensor([], dtype=self.ssm_dtype).element_size()
        mamba = self.n_mamba * self.d_inner * (self.conv_width * e + self.d_state * es)
        ring = self.n_sliding * 2 * (2 * self.kv_half) * self.window * self.head_dim * e
        return mamba + ring

    def kv_bytes_per_token(self) -> int:
        """Growth per token: layer ``kv_layer``'s K and V = 2 x kv_heads x head_dim x dtype size."""
        e = torch.tensor([], dtype=self.dtype).element_size()
        return 2 * (2 * self.kv_half) * self.head_dim * e

    def row_nbytes(self, i: int) -> int:
        """Bytes of state held for row ``i`` (what ``export_row(i).nbytes`` would hold)."""
        return self.fixed_row_nbytes() + self._lengths[i] * self.kv_bytes_per_token()
