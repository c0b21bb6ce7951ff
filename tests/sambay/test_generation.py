import pytest
import torch

from inference.sambay import BatchDecoder, SamplingParams, generate, load_checkpoint, stream
from inference.sambay.sampling import filter_logits, sample_token

from .conftest import WINDOW, rand_ids


def _solo(model, prompt, params, **kw):
    dec = BatchDecoder(model, eos_token_ids=[], **kw)
    sid = dec.add(prompt, params)
    return dec.run()[sid]


def _prompts(vocab):
    return [rand_ids(n, vocab, seed=100 + n)[0].tolist() for n in (2, WINDOW + 3, 3 * WINDOW)]


def test_batch_equals_one_by_one_and_counts_calls(tiny_model, tiny_config):
    prompts = _prompts(tiny_config.vocab_size)
    params = SamplingParams(max_new_tokens=2 * WINDOW + 2)
    solo = [_solo(tiny_model, p, params) for p in prompts]
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    ids = [dec.add(p, params) for p in prompts]
    steps = 0
    out = {i: [] for i in ids}
    while dec.has_work:
        events = dec.step()
        steps += 1
        assert len({e.seq_id for e in events}) == len(events)  # one token per sequence per step
        for e in events:
            out[e.seq_id].append(e.token_id)
    assert [out[i] for i in ids] == solo
    # all three were prefilled in step 1, then every later step was ONE batched decode call
    assert dec.stats.prefill_calls == 3
    assert dec.stats.decode_calls == steps - 1 == params.max_new_tokens - 1
    assert dec.stats.decode_tokens == 3 * (params.max_new_tokens - 1)


def test_sequences_join_between_steps(tiny_model, tiny_config):
    prompts = _prompts(tiny_config.vocab_size)
    params = [SamplingParams(max_new_tokens=n) for n in (12, 20, 9)]
    solo = [_solo(tiny_model, p, s) for p, s in zip(prompts, params, strict=True)]
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    out: dict[int, list[int]] = {}
    ids = [dec.add(prompts[0], params[0])]
    for step in range(60):
        if step == 3:
            ids.append(dec.add(prompts[1], params[1]))
        if step == 7:
            ids.append(dec.add(prompts[2], params[2]))
        running_before = dec.num_running
        calls = dec.stats.decode_calls
        for e in dec.step():
            out.setdefault(e.seq_id, []).append(e.token_id)
        assert dec.stats.decode_calls - calls == (1 if running_before else 0)
        if not dec.has_work:
            break
    assert [out[i] for i in ids] == solo


def test_chunked_prefill_spread_over_steps(tiny_model, tiny_config):
    """A long prompt is prefilled a few tokens per step while another sequence keeps decoding."""
    prompts = _prompts(tiny_config.vocab_size)
    params = SamplingParams(max_new_tokens=10)
    solo = [_solo(tiny_model, p, params) for p in prompts[1:]]
    dec = BatchDecoder(
        tiny_model, eos_token_ids=[], prefill_chunk_size=4, max_prefill_tokens_per_step=5
    )
    a = dec.add(prompts[1], params)
    b = dec.add(prompts[2], params)
    out = dec.run()
    assert [out[a], out[b]] == solo
    assert dec.stats.prefill_tokens == len(prompts[1]) + len(prompts[2])
    assert dec.stats.prefill_calls >= (len(prompts[2]) + 3) // 4


def test_cancel_and_finish_reasons(tiny_model, tiny_config):
    prompts = _prompts(tiny_config.vocab_size)
    greedy = _solo(tiny_model, prompts[1], SamplingParams(max_new_tokens=8))
    dec = BatchDecoder(tiny_model, eos_token_ids=[greedy[3]])
    a = dec.add(prompts[0], SamplingParams(max_new_tokens=50, ignore_eos=True))
    b = dec.add(prompts[1], SamplingParams(max_new_tokens=50))
    c = dec.add(prompts[2], SamplingParams(max_new_tokens=50))
    events = dec.step()
    assert {e.seq_id for e in events} == {a, b, c}
    assert dec.cancel(c) and not dec.cancel(c)
    d = dec.add(prompts[2], SamplingParams(max_new_tokens=2))
    assert dec.cancel(d)  # cancelled while queued
    seen = {a: [], b: [], c: []}
    reasons = {}
    for _ in range(6):
        for e in dec.step():
            seen[e.seq_id].append(e.token_id)
            if e.finish_reason:
                reasons[e.seq_id] = e.finish_reason
    assert seen[c] == [] and d not in seen
    first_eos = greedy.index(greedy[3])
    assert reasons[b] == "stop" and seen[b][-1] == greedy[3] and len(seen[b]) == first_eos
    assert dec.running_ids() == [a]
    dec2 = BatchDecoder(tiny_model, eos_token_ids=[])
    e = dec2.add(prompts[0], SamplingParams(max_new_tokens=3))
    out = [ev for _ in range(5) for ev in dec2.step()]
    assert [ev.finish_reason for ev in out if ev.seq_id == e] == [None, None, "length"]


def test_seeded_sampling_is_reproducible_and_batch_independent(tiny_model, tiny_config):
    prompts = _prompts(tiny_config.vocab_size)
    p1 = SamplingParams(temperature=0.9, top_p=0.9, max_new_tokens=15, seed=7)
    p2 = SamplingParams(temperature=1.2, top_p=1.0, top_k=20, max_new_tokens=15, seed=8)
    solo1, solo2 = _solo(tiny_model, prompts[0], p1), _solo(tiny_model, prompts[1], p2)
    assert solo1 == _solo(tiny_model, prompts[0], p1)
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    i1, i2 = dec.add(prompts[0], p1), dec.add(prompts[1], p2)
    out = dec.run()
    assert out[i1] == solo1 and out[i2] == solo2
    other = _solo(
        tiny_model,
        prompts[0],
        SamplingParams(temperature=0.9, top_p=0.9, max_new_tokens=15, seed=9),
    )
    assert other != solo1


def test_sampling_filters():
    logits = torch.tensor([3.0, 2.0, 1.0, 0.0, -1.0])
    p = filter_logits(logits, 1.0, 0.7, 0)  # softmax mass: .64 .23 .09 ...
    assert (p[2:] == 0).all() and p[:2].sum().item() == pytest.approx(1.0)
    assert (filter_logits(logits, 1.0, 1.0, 2)[2:] == 0).all()
    g = torch.Generator().manual_seed(0)
    draws = {
        sample_token(logits, SamplingParams(temperature=1.0, top_p=0.7), g) for _ in range(200)
    }
    assert draws == {0, 1}
    assert sample_token(logits, SamplingParams(temperature=0.0), None) == 0
    assert {
        sample_token(logits, SamplingParams(temperature=5.0, top_p=1e-6), g) for _ in range(20)
    } == {0}
    with pytest.raises(ValueError):
        SamplingParams(top_p=0.0)


def test_stream_text_is_utf8_safe(tiny_ckpt):
    model, tok = load_checkpoint(tiny_ckpt)
    text = "数学 café 😀 π≈3.14 \u2211"
    ids = tok.encode(text)
    assert len(ids) > len(text) // 2  # rare characters split into byte tokens
    detok = tok.detokenizer()
    deltas = [detok.push(i) for i in ids]
    deltas.append(detok.flush())
    assert "".join(deltas) == text
    assert all("\ufffd" not in d for d in deltas)
    assert any(d == "" for d in deltas)  # something was held back until its character completed
    events = list(
        stream(
            model,
            tok,
            [{"role": "user", "content": "2+2?"}],
            SamplingParams(temperature=0.8, seed=3, max_new_tokens=40),
        )
    )
    assert events[-1].finish_reason in ("stop", "length")
    assert "".join(e.text for e in events) == tok.decode([e.token_id for e in events])
    res = generate(model, tok, "Solve x", SamplingParams(max_new_tokens=5))
    assert len(res.token_ids) <= 5 and res.prompt_tokens == len(tok.encode("Solve x"))
    assert res.text == tok.decode(res.token_ids)


def test_add_validates_input(tiny_model, tiny_config):
    dec = BatchDecoder(tiny_model)
    with pytest.raises(ValueError):
        dec.add([])
    with pytest.raises(ValueError):
        dec.add([tiny_config.vocab_size])
    sid = dec.add([1, 2, 3], seq_id=42)
    assert sid == 42
    with pytest.raises(ValueError):
        dec.add([1], seq_id=42)


def test_forced_tokens_replace_sampling_and_feed_the_model(tiny_model, tiny_config):
    """The exact calculator's path: forced ids are emitted in order, then sampling resumes from a
    cache that has seen them (as if the prompt had contained them)."""
    prompt = rand_ids(5, tiny_config.vocab_size, seed=7)[0].tolist()
    params = SamplingParams(max_new_tokens=8)
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    sid = dec.add(prompt, params)
    first = [e.token_id for e in dec.step()]  # prefill + first sampled token
    assert dec.force(sid, [11, 12, 13])
    out = first + [t for _ in range(7) for e in dec.step() for t in [e.token_id]]
    assert out[1:4] == [11, 12, 13]
    # Greedy continuation equals a plain run whose prompt already holds the forced tokens.
    rest = _solo(tiny_model, prompt + out[:4], SamplingParams(max_new_tokens=4))
    assert out[4:] == rest
    assert not dec.force(12345, [1])  # unknown sequence


def test_a_banned_token_is_not_sampled_next_and_the_ban_lasts_one_token(tiny_model, tiny_config):
    """A retry that must not start the way rejected attempts started (the tutor engine)."""
    prompt = rand_ids(5, tiny_config.vocab_size, seed=8)[0].tolist()
    params = SamplingParams(max_new_tokens=3)
    greedy = _solo(tiny_model, prompt, params)
    dec = BatchDecoder(tiny_model, eos_token_ids=[])
    sid = dec.add(prompt, params)
    other = dec.add(prompt, params)  # same batch, no ban: unchanged
    assert dec.ban_next(sid, [greedy[0]])
    out: dict[int, list[int]] = dec.run()
    assert out[other] == greedy
    assert out[sid][0] != greedy[0]
    # The second token is the model's greedy choice after the first, with no ban left.
    assert out[sid][1:] == _solo(
        tiny_model, prompt + out[sid][:1], SamplingParams(max_new_tokens=2)
    )
    assert not dec.ban_next(12345, [1])
