"""Train the built-in tutor model: ``python -m inference.training.train --out DIR``.

The same SambaY code as inference (``inference.sambay``: the full-sequence forward through the
chunked selective scan, with its hand-written backward), on worked solutions from
``inference.training.data``. Deterministic from ``--seed`` for a given ``--steps`` (the learning-rate
schedule is driven by steps, not by the clock); ``--max-minutes`` only stops a run that would take
longer than planned. Uses CUDA when present. Writes the official checkpoint layout (config.json,
model.safetensors, tokenizer.json, tokenizer_config.json with the chat template,
generation_config.json) plus ``training_log.json`` (loss curve, timing, data and config).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from inference.sambay.checkpoint import SPECIAL_TOKENS, load_checkpoint, save_checkpoint
from inference.sambay.config import SambaYConfig
from inference.sambay.model import SambaYForCausalLM
from inference.training import data as tutor_data
from inference.training.tokenizer import CHAT_TEMPLATE, build_math_tokenizer

# What the engine looks for to know that a checkpoint speaks the step format of docs/tutor-model.md.
TUTOR_FORMAT = "tutor-steps/1"

# The configuration chosen for a 2-core CPU (docs/tutor-model.md: "Size and speed").
DEFAULT_MODEL = dict(
    hidden_size=64,
    intermediate_size=256,
    num_hidden_layers=8,  # the smallest SambaY with a cross-decoder (GMU + cross-attention)
    num_attention_heads=4,
    num_key_value_heads=2,
    sliding_window=64,
    mamba_d_state=8,
    mamba_expand=1,
    max_position_embeddings=1024,
)


@dataclass
class TrainConfig:
    out: Path
    steps: int = 3400
    batch_size: int = 32
    lr: float = 2e-3
    warmup: int = 100
    weight_decay: float = 0.1
    examples: int = 250_000
    seed: int = 1
    max_minutes: float = 45.0
    # One thread: on a 2-core machine with anything else running, two OpenMP threads fight for one
    # core and a step gets ~25x slower (measured 265 vs 6,628 tokens/s); alone, two are ~1.4x faster.
    threads: int = 1
    log_every: int = 50
    model: dict | None = None
    tiny: bool = False  # a seconds-long run for tests
    resume_from: Path | None = None  # a checkpoint of this script to train further
    stop_after: int | None = None  # end after this many steps, schedule unchanged (to reproduce
    # a run that --max-minutes stopped)
    family_weights: dict[str, float] | None = None  # data mix overrides (data.WEIGHTS)


def encode_examples(tk, texts: list[tuple[str, str]], end_id: int) -> list[tuple[list[int], int]]:
    """(prompt, solution) pairs -> (token ids, length of the prompt part) in the chat format."""
    heads = tk.encode_batch([f"<|user|>{prompt}<|end|><|assistant|>" for prompt, _ in texts])
    bodies = tk.encode_batch([solution for _, solution in texts])
    return [(h.ids + b.ids + [end_id], len(h.ids)) for h, b in zip(heads, bodies, strict=True)]


class Batches:
    """Random batches of similar length (little padding); loss only on the solution tokens."""

    def __init__(self, seqs: list[tuple[list[int], int]], batch_size: int, pad_id: int, seed: int):
        self.seqs = sorted(seqs, key=lambda s: len(s[0]))
        self.batch_size = batch_size
        self.pad_id = pad_id
        self.rng = random.Random(seed)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        # A random window of neighbours in length order, so a batch's lengths are close.
        start = self.rng.randrange(0, max(1, len(self.seqs) - self.batch_size))
        window = self.seqs[start : start + self.batch_size]
        width = max(len(ids) for ids, _ in window)
        inputs = torch.full((len(window), width - 1), self.pad_id, dtype=torch.long)
        targets = torch.full((len(window), width - 1), -100, dtype=torch.long)
        for row, (ids, head) in enumerate(window):
            t = torch.tensor(ids)
            inputs[row, : len(ids) - 1] = t[:-1]
            targets[row, head - 1 : len(ids) - 1] = t[head:]
        return inputs, targets


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(cfg: TrainConfig) -> dict:
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    started = time.monotonic()

    t0 = time.monotonic()
    pairs = [
        (ex.prompt, ex.solution)
        for ex in tutor_data.stream(cfg.examples, cfg.seed, "train", cfg.family_weights)
    ]
    data_seconds = time.monotonic() - t0
    if cfg.resume_from:
        # Go on training a checkpoint of this script: its tokenizer and weights, new data.
        model, tokenizer = load_checkpoint(cfg.resume_from, dtype=torch.float32, device=device)
        model.requires_grad_(True)  # the loader gives inference weights
        tk = tokenizer.backend
        ids = {c: tk.token_to_id(c) for c, _ in SPECIAL_TOKENS}
        model_args = {
            k: getattr(model.config, k) for k in DEFAULT_MODEL if hasattr(model.config, k)
        }
    else:
        tk, ids = build_math_tokenizer(p + "\n" + s for p, s in pairs[:50_000])
        model_args = dict(DEFAULT_MODEL, **(cfg.model or {}))
    end_id, pad_id = ids["<|end|>"], ids["<|endoftext|>"]
    seqs = encode_examples(tk, pairs, end_id)
    tokens_total = sum(len(s) for s, _ in seqs)
    vocab = tk.get_vocab_size()
    if not cfg.resume_from:
        config = SambaYConfig(
            vocab_size=vocab,
            bos_token_id=pad_id,
            eos_token_id=pad_id,
            pad_token_id=pad_id,
            **model_args,
        )
        model = SambaYForCausalLM(config)
        model.init_weights(seed=cfg.seed)
    model.to(device).train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "weight_decay": 0},
        ],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )
    batches = Batches(seqs, cfg.batch_size, pad_id, cfg.seed)
    curve: list[dict] = []
    seen_tokens = 0
    window_loss, window_n = 0.0, 0
    stopped_early = False
    steps_done = 0
    train_start = time.monotonic()
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        inputs, targets = batches.next()
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        seen_tokens += inputs.numel()
        steps_done = step + 1
        window_loss += loss.item()
        window_n += 1
        if (step + 1) % cfg.log_every == 0 or step == cfg.steps - 1:
            elapsed = time.monotonic() - train_start
            point = {
                "step": step + 1,
                "loss": round(window_loss / window_n, 4),
                "minutes": round(elapsed / 60, 2),
                "tokens": seen_tokens,
                "tokens_per_s": round(seen_tokens / max(elapsed, 1e-9)),
            }
            curve.append(point)
            window_loss, window_n = 0.0, 0
            if not cfg.tiny:
                print(json.dumps(point), flush=True)
        if cfg.stop_after is not None and steps_done >= cfg.stop_after:
            break
        if time.monotonic() - started > cfg.max_minutes * 60:
            stopped_early = True
            print(
                f"stopping at step {step + 1}: --max-minutes {cfg.max_minutes} reached", flush=True
            )
            break

    model.eval()
    out = Path(cfg.out)
    save_checkpoint(model, out, dtype=torch.float32, tokenizer=(tk, ids))
    # The chat template of the built-in model, and the marker the engine reads.
    tok_cfg_path = out / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text(encoding="utf-8"))
    tok_cfg["chat_template"] = CHAT_TEMPLATE
    tok_cfg_path.write_text(json.dumps(tok_cfg, indent=2) + "\n", encoding="utf-8")
    gen_path = out / "generation_config.json"
    gen = json.loads(gen_path.read_text(encoding="utf-8"))
    gen.update({"tutor_format": TUTOR_FORMAT, "do_sample": False})
    gen_path.write_text(json.dumps(gen, indent=2) + "\n", encoding="utf-8")
    for extra in ("vocab.json", "merges.txt"):
        (out / extra).unlink(missing_ok=True)  # tokenizer.json holds both
    log = {
        "seed": cfg.seed,
        "resumed_from": str(cfg.resume_from) if cfg.resume_from else None,
        "steps_planned": cfg.steps,
        "steps_done": steps_done,
        "stopped_early": stopped_early,
        "batch_size": cfg.batch_size,
        "lr": cfg.lr,
        "family_weights": cfg.family_weights,
        "examples": len(pairs),
        "example_tokens": tokens_total,
        "data_seconds": round(data_seconds, 1),
        "train_minutes": round((time.monotonic() - train_start) / 60, 2),
        "total_minutes": round((time.monotonic() - started) / 60, 2),
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": vocab,
        "model": model_args,
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
        "curve": curve,
    }
    (out / "training_log.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    return log


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="checkpoint directory to write")
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    ap.add_argument("--lr", type=float, default=TrainConfig.lr)
    ap.add_argument("--examples", type=int, default=TrainConfig.examples)
    ap.add_argument("--seed", type=int, default=TrainConfig.seed)
    ap.add_argument("--max-minutes", type=float, default=TrainConfig.max_minutes)
    ap.add_argument("--threads", type=int, default=TrainConfig.threads)
    ap.add_argument("--hidden-size", type=int, default=DEFAULT_MODEL["hidden_size"])
    ap.add_argument(
        "--resume-from", type=Path, help="train this checkpoint further (its tokenizer, new data)"
    )
    ap.add_argument(
        "--stop-after", type=int, help="end after this many steps (the schedule is unchanged)"
    )
    ap.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="FAMILY=W",
        help="a family's share of the data instead of data.WEIGHTS (repeatable)",
    )
    a = ap.parse_args(argv)
    weights = {}
    for item in a.weight:
        family, _, value = item.partition("=")
        try:
            weights[family] = float(value)
        except ValueError:
            ap.error(f"--weight wants FAMILY=NUMBER, got {item!r}")
    model = {"hidden_size": a.hidden_size, "intermediate_size": 4 * a.hidden_size}
    log = train(
        TrainConfig(
            out=a.out,
            steps=a.steps,
            batch_size=a.batch_size,
            lr=a.lr,
            examples=a.examples,
            seed=a.seed,
            max_minutes=a.max_minutes,
            threads=a.threads,
            model=model,
            resume_from=a.resume_from,
            stop_after=a.stop_after,
            family_weights=weights or None,
        )
    )
    print(
        f"wrote {a.out}: {log['parameters']:,} parameters, {log['steps_done']} steps in "
        f"{log['train_minutes']} min, final loss {log['curve'][-1]['loss'] if log['curve'] else '-'}"
    )


if __name__ == "__main__":
    main()
