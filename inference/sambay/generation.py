"""Continuous batching and single-prompt generation.

:class:`BatchDecoder` is the engine-facing API::

    dec = BatchDecoder(model)
    sid = dec.add(prompt_ids, SamplingParams(temperature=0.6, top_p=0.95, seed=1))  # queued
    while dec.has_work:
        for seq_id, token_id, finish_reason in dec.step():
            ...
    dec.cancel(sid)                       # drops a sequence (queued, prefilling or running)

A ``step()``:

1. runs **one** batched model call that decodes one token for every running sequence (rows of the
   shared :class:`SambaYCache`; sequences may have different lengths);
2. prefills waiting sequences, each in its own one-row cache, chunk by chunk (at most
   ``max_prefill_tokens_per_step`` prompt tokens per step, so a long prompt does not stall the
   running ones for long); a sequence whose prompt is done samples its first token and joins the
   running rows (its state is copied into the shared cache);
3. drops sequences that hit a stop id or their token limit (they leave before the next step).

Each running or finished sequence produces exactly one event per step it takes part in:
``StepEvent(seq_id, token_id, finish_reason)`` with finish_reason ``None``, ``"stop"`` or
``"length"``.  ``stats`` counts decode calls, prefill calls and steps; with k sequences running,
n steps cost n decode calls, not n * k.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch

from .cache import SambaYCache, SequenceState
from .model import SambaYForCausalLM
from .sampling import SamplingParams, sample_token
from .tokenizer import Tokenizer


class StepEvent(NamedTuple):
    seq_id: int
    token_id: int
    finish_reason: str | None


@dataclass
class DecoderStats:
    steps: int = 0
    decode_calls: int = 0  # batched one-token model calls (one per step with running sequences)
    prefill_calls: int = 0  # prompt-chunk model calls
    decode_tokens: int = 0  # tokens produced by decode calls
    prefill_tokens: int = 0


@dataclass(eq=False)
class _Sequence:
    seq_id: int
    prompt: list[int]
    params: SamplingParams
    generator: torch.Generator | None
    stop_ids: frozenset[int]
    max_len: int
    generated: list[int] = field(default_factory=list)
    prefill_pos: int = 0
    cache: SambaYCache | None = None  # own cache while prefilling
    forced: deque[int] = field(default_factory=deque)  # tokens to emit instead of sampling
    banned_next: frozenset[int] = frozenset()  # ids the next sampled token may not be

    def accept(self, token: int) -> str | None:
        self.generated.append(token)
        if token in self.stop_ids:
            return "stop"
        if len(self.generated) >= self.params.max_new_tokens:
            return "length"
        if len(self.prompt) + len(self.generated) >= self.max_len:
            return "length"
        return None


class BatchDecoder:
    """Continuous-batching decoder over one SambaY model (see the module docstring).

    Args:
        model: the model (its dtype/device are used for the cache).
        max_batch_size: most sequences decoding at once; more wait in the queue.
        eos_token_ids: default stop ids (default: ``model.eos_token_ids`` from
            generation_config.json, else config.json's eos_token_id).
        prefill_chunk_size: prompt tokens per prefill call.
        max_prefill_tokens_per_step: prompt tokens prefilled per step (None: every waiting prompt
            is prefilled completely in the step it is admitted).
        max_seq_len: prompt + generated tokens limit (default: config.max_position_embeddings).
    """

    def __init__(
        self,
        model: SambaYForCausalLM,
        *,
        max_batch_size: int = 64,
        eos_token_ids: Sequence[int] | None = None,
        prefill_chunk_size: int = 2048,
        max_prefill_tokens_per_step: int | None = None,
        max_seq_len: int | None = None,
    ) -> None:
        self.model = model
        self.max_batch_size = max_batch_size
        if eos_token_ids is None:
            eos_token_ids = getattr(model, "eos_token_ids", None) or model.config.eos_token_ids
        self.eos_token_ids = [int(x) for x in eos_token_ids]
        self.prefill_chunk_size = prefill_chunk_size
        self.max_prefill_tokens_per_step = max_prefill_tokens_per_step
        self.max_seq_len = max_seq_len or model.config.max_position_embeddings
        self.cache = model.new_cache(batch_size=0)
        self.stats = DecoderStats()
        self._ids = itertools.count()
        self._queue: deque[_Sequence] = deque()
        self._prefilling: _Sequence | None = None
        self._rows: list[_Sequence] = []  # running sequences, in cache-row order
        self._by_id: dict[int, _Sequence] = {}

    # ------------------------------------------------------------------ public API
    def add(
        self,
        prompt_ids: Sequence[int] | torch.Tensor,
        sampling: SamplingParams | None = None,
        seq_id: int | None = None,
    ) -> int:
        """Queue a prompt; it is prefilled by the next ``step()`` calls. Returns its id."""
        prompt = [
            int(t) for t in (prompt_ids.tolist() if torch.is_tensor(prompt_ids) else prompt_ids)
        ]
        if not prompt:
            raise ValueError("empty prompt")
        vocab = self.model.config.vocab_size
        bad = [t for t in prompt if not 0 <= t < vocab]
        if bad:
            raise ValueError(f"token ids out of range [0, {vocab}): {bad[:10]}")
        if len(prompt) >= self.max_seq_len:
            raise ValueError(f"prompt of {len(prompt)} tokens >= max_seq_len {self.max_seq_len}")
        params = sampling or SamplingParams()
        if seq_id is None:
            seq_id = next(self._ids)
            while seq_id in self._by_id:
                seq_id = next(self._ids)
        elif seq_id in self._by_id:
            raise ValueError(f"sequence id {seq_id} is already in use")
        stops: frozenset[int] = frozenset()
        if not params.ignore_eos:
            stops = frozenset(
                params.stop_token_ids if params.stop_token_ids is not None else self.eos_token_ids
            )
        generator = None if params.greedy else params.make_generator(self.model.device)
        seq = _Sequence(seq_id, prompt, params, generator, stops, self.max_seq_len)
        self._queue.append(seq)
        self._by_id[seq_id] = seq
        return seq_id

    def force(self, seq_id: int, token_ids: Sequence[int]) -> bool:
        """Make a running sequence's next tokens ``token_ids`` instead of sampled ones (the exact
        calculator inserts its results this way); they go through the model like any token."""
        seq = self._by_id.get(seq_id)
        if seq is None:
            return False
        seq.forced.extend(int(t) for t in token_ids)
        return True

    def ban_next(self, seq_id: int, token_ids: Sequence[int]) -> bool:
        """Keep ``token_ids`` out of the sequence's next sampled token (once): a retry that must
        not start the way every rejected attempt started."""
        seq = self._by_id.get(seq_id)
        if seq is None:
            return False
        seq.banned_next = frozenset(int(t) for t in token_ids)
        return True

    def cancel(self, seq_id: int) -> bool:
        """Drop a sequence wherever it is; it produces no further events. False if unknown."""
        seq = self._by_id.pop(seq_id, None)
        if seq is None:
            return False
        if seq is self._prefilling:
            self._prefilling = None
            seq.cache = None
        elif seq in self._queue:
            self._queue.remove(seq)
        else:
            self._remove_row(self._rows.index(seq))
        return True

    @property
    def has_work(self) -> bool:
        return bool(self._rows or self._queue or self._prefilling)

    @property
    def num_running(self) -> int:
        return len(self._rows)

    @property
    def num_waiting(self) -> int:
        return len(self._queue) + (1 if self._prefilling else 0)

    def waiting_position(self, seq_id: int) -> int | None:
        """1 for the next prompt to be admitted; None when the sequence is not waiting."""
        for position, seq in enumerate(self._queue, start=1):
            if seq.seq_id == seq_id:
                return position
        return None

    def running_ids(self) -> list[int]:
        return [s.seq_id for s in self._rows]

    def generated(self, seq_id: int) -> list[int]:
        return list(self._by_id[seq_id].generated)

    def cache_nbytes(self, seq_id: int) -> int:
        """Bytes of decoding state held for a running sequence."""
        seq = self._by_id[seq_id]
        return self.cache.row_nbytes(self._rows.index(seq))

    def export_state(self, seq_id: int) -> SequenceState:
        """A standalone copy of a running sequence's cache."""
        return self.cache.export_row(self._rows.index(self._by_id[seq_id]))

    @torch.no_grad()
    def step(self) -> list[StepEvent]:
        """One engine iteration (see the module docstring). Returns this step's events."""
        self.stats.steps += 1
        events: list[StepEvent] = []
        finished: list[int] = []
        if self._rows:
            tokens = torch.tensor(
                [[s.generated[-1]] for s in self._rows], dtype=torch.long, device=self.model.device
            )
            logits = self.model(tokens, self.cache)[:, -1]  # ONE call for every running sequence
            self.stats.decode_calls += 1
            self.stats.decode_tokens += len(self._rows)
            for row, tok in enumerate(self._sample(logits, self._rows)):
                seq = self._rows[row]
                reason = seq.accept(tok)
                events.append(StepEvent(seq.seq_id, tok, reason))
                if reason is not None:
                    finished.append(row)
        for row in sorted(finished, reverse=True):
            self._by_id.pop(self._rows[row].seq_id, None)
            self._remove_row(row)
        events.extend(self._prefill_some())
        return events

    def run(self) -> dict[int, list[int]]:
        """Step until every sequence has finished; returns {seq_id: generated ids}."""
        out: dict[int, list[int]] = {}
        while self.has_work:
            for ev in self.step():
                out.setdefault(ev.seq_id, []).append(ev.token_id)
        return out

    # ------------------------------------------------------------------ internals
    def _sample(self, logits: torch.Tensor, seqs: list[_Sequence]) -> list[int]:
        banned = [i for i, s in enumerate(seqs) if s.banned_next and not s.forced]
        if banned:
            logits = logits.clone()
            for i in banned:
                logits[i, sorted(seqs[i].banned_next)] = float("-inf")
                seqs[i].banned_next = frozenset()
        if all(s.params.greedy for s in seqs):
            tokens = torch.argmax(logits, dim=-1).tolist()
        else:
            tokens = [sample_token(logits[i], s.params, s.generator) for i, s in enumerate(seqs)]
        for i, s in enumerate(seqs):
            if s.forced:
                tokens[i] = s.forced.popleft()
        return tokens

    def _remove_row(self, row: int) -> None:
        moved = self.cache.remove_row(row)
        if moved is not None:
            self._rows[row] = self._rows[moved]
        self._rows.pop()

    def _prefill_some(self) -> list[StepEvent]:
        events: list[StepEvent] = []
        budget = self.max_prefill_tokens_per_step
        while True:
            if self._prefilling is None:
                if not self._queue or len(self._rows) >= self.max_batch_size:
                    break
                seq = self._queue.popleft()
                seq.cache = self.model.new_cache(batch_size=1, capacity=len(seq.prompt) + 1)
                self._prefilling = seq
            seq = self._prefilling
            remaining = len(seq.prompt) - seq.prefill_pos
            n = min(remaining, self.prefill_chunk_size)
            if budget is not None:
                if budget <= 0:
                    break
                n = min(n, budget)
                budget -= n
            chunk = torch.tensor(
                [seq.prompt[seq.prefill_pos : seq.prefill_pos + n]],
                dtype=torch.long,
                device=self.model.device,
            )
            last = n == remaining
            logits = self.model(chunk, seq.cache, logits_to_keep=1 if last else 0)
            self.stats.prefill_calls += 1
            self.stats.prefill_tokens += n
            seq.prefill_pos += n
            if not last:
                continue
            self._prefilling = None
            assert seq.cache is not None  # made when its prefill began
            self.cache.import_from(seq.cache)
            seq.cache = None
            self._rows.append(seq)
            tok = self._sample(logits[:, -1], [seq])[0]
            reason = seq.accept(tok)
            events.append(StepEvent(seq.seq_id, tok, reason))
            if reason is not None:
                self._by_id.pop(seq.seq_id, None)
                self._remove_row(len(self._rows) - 1)
        return events


# ---------------------------------------------------------------------------------------------
# single prompt
# ---------------------------------------------------------------------------------------------
class StreamEvent(NamedTuple):
    token_id: int
    text: str  # UTF-8-safe delta (may be empty while a character is incomplete)
    finish_reason: str | None


@dataclass
class GenerationResult:
    token_ids: list[int]
    text: str
    finish_reason: str | None
    prompt_tokens: int


def _prompt_ids(tokenizer: Tokenizer | None, prompt: Any) -> list[int]:
    if isinstance(prompt, str):
        if tokenizer is None:
            raise ValueError("a text prompt needs a tokenizer")
        return tokenizer.encode(prompt)
    if isinstance(prompt, list) and prompt and isinstance(prompt[0], dict):
        if tokenizer is None:
            raise ValueError("chat messages need a tokenizer")
        ids = tokenizer.apply_chat_template(prompt, add_generation_prompt=True)
        assert isinstance(ids, list)  # tokenize=True (the default) gives ids, not text
        return list(ids)
    if torch.is_tensor(prompt):
        return [int(t) for t in prompt.flatten().tolist()]
    return [int(t) for t in prompt]


def stream(
    model: SambaYForCausalLM,
    tokenizer: Tokenizer | None,
    prompt: str | Sequence[int] | list[dict[str, Any]],
    sampling: SamplingParams | None = None,
    *,
    skip_special_tokens: bool = True,
    prefill_chunk_size: int = 2048,
) -> Iterator[StreamEvent]:
    """Generate for one prompt (text, token ids, or chat messages), yielding each token id with its
    UTF-8-safe text delta; the last event carries the finish reason."""
    ids = _prompt_ids(tokenizer, prompt)
    eos = tokenizer.eos_token_ids if tokenizer is not None and tokenizer.eos_token_ids else None
    dec = BatchDecoder(
        model, max_batch_size=1, eos_token_ids=eos, prefill_chunk_size=prefill_chunk_size
    )
    dec.add(ids, sampling)
    detok = tokenizer.detokenizer(skip_special_tokens) if tokenizer is not None else None
    while dec.has_work:
        for ev in dec.step():
            text = ""
            if detok is not None:
                text = detok.push(ev.token_id)
                if ev.finish_reason is not None:
                    text += detok.flush()
            yield StreamEvent(ev.token_id, text, ev.finish_reason)


def generate(
    model: SambaYForCausalLM,
    tokenizer: Tokenizer | None,
    prompt: str | Sequence[int] | list[dict[str, Any]],
    sampling: SamplingParams | None = None,
    **kwargs: Any,
) -> GenerationResult:
    """Generate for one prompt; returns the token ids, the text and the finish reason."""
    ids: list[int] = []
    parts: list[str] = []
    reason = None
    for ev in stream(model, tokenizer, prompt, sampling, **kwargs):
        ids.append(ev.token_id)
        parts.append(ev.text)
        reason = ev.finish_reason
    return GenerationResult(ids, "".join(parts), reason, len(_prompt_ids(tokenizer, prompt)))
