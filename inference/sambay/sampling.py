"""Sampling: greedy, temperature and top-p (nucleus), optionally top-k, with a seeded generator."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class SamplingParams:
    """How one sequence picks its tokens and when it stops.

    temperature 0 means greedy (argmax).  ``seed`` seeds this sequence's own generator, so its draws
    do not depend on the other sequences in the batch; None draws a random seed.
    ``stop_token_ids`` None means the model's eos ids (generation_config.json); ``ignore_eos`` stops
    only on max_new_tokens.
    """

    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 256
    seed: int | None = None
    stop_token_ids: list[int] | None = None
    ignore_eos: bool = False
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError("temperature must be >= 0")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top_p must be in (0, 1]")
        if self.top_k < 0:
            raise ValueError("top_k must be >= 0")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def make_generator(self, device: torch.device | str = "cpu") -> torch.Generator:
        seed = self.seed if self.seed is not None else int.from_bytes(os.urandom(8), "little") >> 1
        return torch.Generator(device=device).manual_seed(seed)


def filter_logits(
    logits: torch.Tensor, temperature: float, top_p: float, top_k: int
) -> torch.Tensor:
    """Probabilities (float32, 1-D) after temperature, top-k and top-p truncation."""
    logits = logits.float() / temperature
    if top_k and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)
        cum = torch.cumsum(sorted_p, dim=-1)
        # keep a token if the mass before it is < top_p (so the first token is always kept)
        keep_sorted = (cum - sorted_p) < top_p
        keep = torch.zeros_like(keep_sorted)
        keep[order] = keep_sorted
        probs = torch.where(keep, probs, torch.zeros_like(probs))
        probs = probs / probs.sum()
    return probs


def sample_token(
    logits: torch.Tensor, params: SamplingParams, generator: torch.Generator | None
) -> int:
    """One token id from 1-D logits."""
    if params.greedy:
        return int(torch.argmax(logits).item())
    probs = filter_logits(logits, params.temperature, params.top_p, params.top_k)
    return int(torch.multinomial(probs, 1, generator=generator).item())
