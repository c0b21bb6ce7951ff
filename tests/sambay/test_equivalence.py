"""Cached decoding == the full-sequence forward (fp32, within 1e-4), across the sliding window."""

import pytest
import torch

from inference.sambay import SambaYCache

from .conftest import WINDOW, rand_ids

TOL = 1e-4
T = 5 * WINDOW + 3  # the ring buffers wrap several times


def _full(model, ids):
    with torch.no_grad():
        return model(ids)


def _decode_all(model, ids, prefill: int, chunk: int | None = None):
    """Prefill ``prefill`` tokens (chunked), then decode the rest one by one; all logits."""
    with torch.no_grad():
        cache = model.new_cache()
        outs = []
        if prefill:
            outs.append(
                model.prefill(ids[:, :prefill], cache, chunk_size=chunk, logits_to_keep=None)
            )
        for t in range(prefill, ids.shape[1]):
            outs.append(model(ids[:, t : t + 1], cache))
        return torch.cat(outs, dim=1), cache


def test_token_by_token_decode_matches_full_forward(tiny_model, tiny_config):
    ids = rand_ids(T, tiny_config.vocab_size, seed=10)
    full = _full(tiny_model, ids)
    dec, cache = _decode_all(tiny_model, ids, prefill=0)
    assert full.abs().max() > 1.0  # the check is not vacuous
    assert (dec - full).abs().max().item() < TOL
    assert cache.lengths == [T]


@pytest.mark.parametrize(
    "prefill,chunk",
    [
        (1, None),
        (WINDOW - 2, None),  # shorter than the window: the official cache code goes wrong here
        (WINDOW - 1, None),
        (WINDOW, 3),
        (WINDOW + 1, 4),
        (2 * WINDOW + 5, 5),
        (3 * WINDOW, WINDOW),
        (T - 1, 7),
        (T, 2 * WINDOW + 1),
    ],
)
def test_chunked_prefill_then_decode_matches_full_forward(tiny_model, tiny_config, prefill, chunk):
    ids = rand_ids(T, tiny_config.vocab_size, seed=11)
    full = _full(tiny_model, ids)
    dec, _ = _decode_all(tiny_model, ids, prefill=prefill, chunk=chunk)
    assert (dec - full).abs().max().item() < TOL


def test_yoco_last_only_prefill(tiny_model, tiny_config):
    """logits_to_keep runs the cross-decoder for the kept positions only; same logits, same cache."""
    ids = rand_ids(3 * WINDOW, tiny_config.vocab_size, seed=12)
    full = _full(tiny_model, ids)
    with torch.no_grad():
        c1, c2 = tiny_model.new_cache(), tiny_model.new_cache()
        last = tiny_model.prefill(ids, c1, chunk_size=7, logits_to_keep=1)
        assert last.shape[1] == 1
        assert (last[:, -1] - full[:, -1]).abs().max().item() < TOL
        assert tiny_model(ids[:, :5], c2, logits_to_keep=0) is None
        two = tiny_model(ids[:, 5:], c2, logits_to_keep=2)
        assert (two - full[:, -2:]).abs().max().item() < TOL
        nxt = rand_ids(1, tiny_config.vocab_size, seed=13)
        assert (tiny_model(nxt, c1) - tiny_model(nxt, c2)).abs().max().item() < TOL


def test_corrupted_cache_is_detected(tiny_model, tiny_config):
    """Guard against a vacuous check: dropping one ring slot changes the logits well beyond 1e-4."""
    ids = rand_ids(2 * WINDOW, tiny_config.vocab_size, seed=14)
    full = _full(tiny_model, ids)
    with torch.no_grad():
        cache = tiny_model.new_cache()
        tiny_model.prefill(ids[:, : WINDOW + 2], cache)
        # slot of position 3: the oldest key the next query (position WINDOW + 2) still sees
        cache.ring_k[0, 0, :, :, 3] = 0.0
        outs = [tiny_model(ids[:, t : t + 1], cache) for t in range(WINDOW + 2, 2 * WINDOW)]
    err = (torch.cat(outs, 1) - full[:, WINDOW + 2 :]).abs().max().item()
    assert err > 100 * TOL


def _solo_logits(model, prompt, forced):
    """Logits of decoding ``forced`` tokens after ``prompt`` for one sequence alone."""
    with torch.no_grad():
        cache = model.new_cache()
        out = [model.prefill(prompt, cache)[:, -1]]
        for tok in forced:
            out.append(model(torch.tensor([[tok]]), cache)[:, -1])
    return torch.cat(out, 0)


def test_batched_decode_equals_one_by_one(tiny_model, tiny_config):
    V = tiny_config.vocab_size
    prompts = [rand_ids(n, V, seed=20 + n) for n in (3, WINDOW + 1, 3 * WINDOW + 2)]
    steps = 2 * WINDOW + 3
    forced = [rand_ids(steps, V, seed=40 + i)[0].tolist() for i in range(3)]
    solo = [_solo_logits(tiny_model, p, f) for p, f in zip(prompts, forced, strict=True)]
    with torch.no_grad():
        pool = tiny_model.new_cache(batch_size=0)
        firsts = []
        for p in prompts:
            c = tiny_model.new_cache()
            firsts.append(tiny_model.prefill(p, c)[:, -1])
            pool.import_from(c)
        assert pool.lengths == [p.shape[1] for p in prompts]  # different lengths in one batch
        batched = [torch.cat(firsts, 0)]
        calls = tiny_model.forward_calls
        for s in range(steps):
            toks = torch.tensor([[f[s]] for f in forced])
            batched.append(tiny_model(toks, pool)[:, -1])
        assert tiny_model.forward_calls - calls == steps  # one model call per step for all rows
    batched = torch.stack(batched, 1)  # (3, steps+1, V)
    for i in range(3):
        assert (batched[i] - solo[i]).abs().max().item() < TOL


def test_batched_prefill_of_equal_length_prompts(tiny_model, tiny_config):
    V = tiny_config.vocab_size
    ids = torch.cat([rand_ids(2 * WINDOW + 1, V, seed=s) for s in (50, 51)], 0)
    with torch.no_grad():
        full = tiny_model(ids)
        cache = tiny_model.new_cache(batch_size=2)
        part = tiny_model.prefill(ids, cache, chunk_size=5, logits_to_keep=None)
    assert (part - full).abs().max().item() < TOL


def test_sequences_joining_and_leaving_a_running_batch(tiny_model, tiny_config):
    """A joins alone, B joins after 4 steps, C after 9, A leaves at 12: everyone's logits match
    their solo runs."""
    V = tiny_config.vocab_size
    plan = {  # name: (prompt length, join step, leave step)
        "A": (WINDOW + 3, 0, 12),
        "B": (2, 4, 20),
        "C": (2 * WINDOW + 1, 9, 20),
    }
    prompts = {k: rand_ids(n, V, seed=60 + i) for i, (k, (n, _, _)) in enumerate(plan.items())}
    forced = {k: rand_ids(25, V, seed=70 + i)[0].tolist() for i, k in enumerate(plan)}
    solo = {k: _solo_logits(tiny_model, prompts[k], forced[k]) for k in plan}
    got: dict[str, list[torch.Tensor]] = {k: [] for k in plan}
    rows: list[str] = []
    pool = SambaYCache(tiny_config, 1)
    with torch.no_grad():
        for step in range(20):
            for k, (_, join, leave) in plan.items():
                if step == leave and k in rows:
                    i = rows.index(k)
                    moved = pool.remove_row(i)
                    if moved is not None:
                        rows[i] = rows[moved]
                    rows.pop()
                if step == join:
                    c = tiny_model.new_cache()
                    got[k].append(tiny_model.prefill(prompts[k], c)[0, -1])
                    pool.import_from(c)
                    rows.append(k)
            if rows:
                toks = torch.tensor([[forced[k][len(got[k]) - 1]] for k in rows])
                out = tiny_model(toks, pool)[:, -1]
                for i, k in enumerate(rows):
                    got[k].append(out[i])
    for k in plan:
        g = torch.stack(got[k])
        assert len(g) > 3
        assert (g - solo[k][: len(g)]).abs().max().item() < TOL, k


def test_bf16_decode_tracks_full_forward(tiny_model, tiny_config):
    """bf16 numerics (fp32 residual, fp32 scan): the cached path stays close to the full forward."""
    import copy

    m = copy.deepcopy(tiny_model).set_dtype(torch.bfloat16)
    ids = rand_ids(3 * WINDOW, tiny_config.vocab_size, seed=80)
    with torch.no_grad():
        full = m(ids)
        dec, _ = _decode_all(m, ids, prefill=WINDOW - 1, chunk=3)
    ref = _full(tiny_model, ids)
    scale = ref.abs().max().item()
    assert (dec - full).abs().max().item() < 0.1 * scale
    assert (full - ref).abs().max().item() < 0.1 * scale
