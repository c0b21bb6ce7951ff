"""Benchmark: SambaY vs a Transformer of the same width, depth and dtype.

    python -m inference.sambay.bench                       # mid-size config, 1K/4K/16K/32K contexts
    python -m inference.sambay.bench --contexts 1024,4096 --decode-tokens 8 --out /tmp/b

For each model and context length L (one sequence): prefill a random L-token prompt (one call by
default, or ``--chunk`` tokens per call, the same for both; timed), then decode ``--decode-tokens`` tokens one at a time (after warm-up
steps; timed per token).  Reports prefill seconds, decode ms/token, tokens/s and the cache bytes
held for the sequence at L tokens (SambaY: Mamba + sliding-window rings + the one growing K/V;
baseline: K/V of every layer).  The two models decode in lockstep, token by token, so that both
see the same load on a shared machine; the reported per-token time is the median.  On CPU with one
thread the times are the compute thread's CPU time (wall-clock times are kept in bench.json).  Writes ``bench.json``, ``bench.md`` and ``bench.png`` under
``--out`` (default ``bench-out/``, git-ignored).  32K runs only when enough memory is free.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from .baseline import BaselineTransformer
from .config import SambaYConfig
from .model import SambaYForCausalLM

# The benchmark configuration: the official layer layout and 512-token window, 16 layers of width
# 256 (head_dim 64 as the official model, 4 query / 2 kv heads) - sized so that both models run
# 1K..32K contexts on a 2-core CPU in a few minutes.
MID_CONFIG = dict(
    vocab_size=16384,
    hidden_size=256,
    intermediate_size=1024,
    num_hidden_layers=16,
    num_attention_heads=4,
    num_key_value_heads=2,
    sliding_window=512,
    mamba_d_state=16,
    mamba_d_conv=4,
    mamba_expand=2,
    max_position_embeddings=262144,
    bos_token_id=None,
    eos_token_id=None,
    pad_token_id=None,
)


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info()
        return free
    return None


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class _Clock:
    """Wall-clock time, plus the compute thread's CPU time when torch runs single-threaded on CPU.

    On a shared CPU the wall clock also counts the time other processes hold the core; with one
    intra-op thread the thread's CPU time is the time spent computing, so it is the primary figure
    there (the wall-clock figures are kept in bench.json).
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cpu = device.type == "cpu" and torch.get_num_threads() == 1

    def now(self) -> tuple[float, float]:
        _sync(self.device)
        return time.perf_counter(), time.thread_time()

    def primary(self, wall: float, cpu: float) -> float:
        return cpu if self.cpu else wall


@torch.no_grad()
def _run_context(
    models: dict[str, Any],
    L: int,
    n_decode: int,
    warmup: int,
    chunk: int,
    device: torch.device,
    seed: int,
) -> list[dict[str, Any]]:
    """Prefill both models with the same random L-token prompt, then decode them in lockstep
    (one SambaY token, one baseline token, ...) so that both see the same machine load."""
    clock = _Clock(device)
    g = torch.Generator().manual_seed(seed)
    vocab = next(iter(models.values())).config.vocab_size
    prompt = torch.randint(0, vocab, (1, L), generator=g).to(device)
    cap = L + n_decode + warmup + 1
    state: dict[str, dict[str, Any]] = {}
    for kind, model in models.items():
        cache = model.new_cache(capacity=cap)
        w0, c0 = clock.now()
        logits = model.prefill(prompt, cache, chunk_size=chunk or None, logits_to_keep=1)
        w1, c1 = clock.now()
        state[kind] = {
            "cache": cache,
            "prefill": (w1 - w0, c1 - c0),
            "tok": logits[:, -1].argmax(-1, keepdim=True),
            "wall": [],
            "cpu": [],
            "cache_bytes": cache.row_nbytes(0) if kind == "sambay" else cache.row_nbytes(),
        }
    for i in range(warmup + n_decode):
        for kind, model in models.items():
            st = state[kind]
            w0, c0 = clock.now()
            logits = model(st["tok"], st["cache"])
            st["tok"] = logits[:, -1].argmax(-1, keepdim=True)
            w1, c1 = clock.now()
            if i >= warmup:
                st["wall"].append(w1 - w0)
                st["cpu"].append(c1 - c0)
    rows = []
    for kind, st in state.items():
        wall, cpu = statistics.median(st["wall"]), statistics.median(st["cpu"])
        per_tok = clock.primary(wall, cpu)
        prefill_s = clock.primary(*st["prefill"])
        rows.append(
            {
                "model": kind,
                "context": L,
                "timing": "thread CPU time" if clock.cpu else "wall clock",
                "prefill_s": prefill_s,
                "prefill_tok_s": L / prefill_s,
                "decode_ms_per_token": per_tok * 1e3,
                "decode_tok_s": 1.0 / per_tok,
                "cache_bytes": st["cache_bytes"],
                "prefill_wall_s": st["prefill"][0],
                "decode_wall_ms_median": wall * 1e3,
                "decode_wall_ms_min": min(st["wall"]) * 1e3,
                "decode_cpu_ms_median": cpu * 1e3,
            }
        )
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    out = [
        "| model | context | prefill s | prefill tok/s | decode ms/token | decode tok/s | cache MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['model']} | {r['context']} | {r['prefill_s']:.2f} | {r['prefill_tok_s']:.0f} | "
            f"{r['decode_ms_per_token']:.2f} | {r['decode_tok_s']:.1f} | "
            f"{r['cache_bytes'] / 2**20:.2f} |"
        )
    return "\n".join(out)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by = {(r["model"], r["context"]): r for r in rows}
    ctxs = sorted({r["context"] for r in rows})
    s: dict[str, Any] = {}
    if len(ctxs) >= 2:
        lo = ctxs[0]
        hi = 16384 if 16384 in ctxs else ctxs[-1]
        gs = by[("sambay", hi)]["decode_ms_per_token"] - by[("sambay", lo)]["decode_ms_per_token"]
        gb = (
            by[("baseline", hi)]["decode_ms_per_token"]
            - by[("baseline", lo)]["decode_ms_per_token"]
        )
        s["decode_growth_context"] = [lo, hi]
        s["decode_growth_ms_sambay"] = gs
        s["decode_growth_ms_baseline"] = gb
        s["decode_growth_ratio"] = gs / gb if gb > 0 else None
        s["cache_ratio_at_hi"] = (
            by[("baseline", hi)]["cache_bytes"] / by[("sambay", hi)]["cache_bytes"]
        )
        s["prefill_speedup_at_hi"] = (
            by[("baseline", hi)]["prefill_s"] / by[("sambay", hi)]["prefill_s"]
        )
    return s


def _plot(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    try:
        import matplotlib
    except ImportError:  # matplotlib is a dev requirement; the table and JSON are still written
        print("matplotlib not installed: no plot")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    metrics = [
        ("decode_ms_per_token", "decode ms / token", False),
        ("prefill_s", "prefill seconds", True),
        ("cache_bytes", "cache MiB per sequence", True),
    ]
    for ax, (key, label, logy) in zip(axes, metrics, strict=True):
        for kind, style in (("sambay", "o-"), ("baseline", "s--")):
            pts = sorted((r["context"], r[key]) for r in rows if r["model"] == kind)
            xs = [p[0] for p in pts]
            ys = [p[1] / 2**20 if key == "cache_bytes" else p[1] for p in pts]
            ax.plot(xs, ys, style, label="SambaY" if kind == "sambay" else "Transformer")
        ax.set_xscale("log", base=2)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("context (tokens)")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--contexts", default="1024,4096,16384,32768")
    ap.add_argument("--decode-tokens", type=int, default=24)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument(
        "--chunk",
        type=int,
        default=0,
        help="prefill chunk size for both models (0 = the whole prompt in one call)",
    )
    ap.add_argument(
        "--dtype", default=None, help="float32 (CPU default) or bfloat16 (CUDA default)"
    )
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--config", default=None, help="JSON file or inline JSON overriding MID_CONFIG")
    ap.add_argument("--out", default="bench-out")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (CPU default 1: on a small shared machine 1 thread is faster and steadier)",
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    device = torch.device(args.device)
    dtype_name = args.dtype or ("bfloat16" if device.type == "cuda" else "float32")
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
        dtype_name
    ]
    threads = args.threads or (1 if device.type == "cpu" else None)
    if threads:
        torch.set_num_threads(threads)
    cfg_dict: dict[str, Any] = dict(MID_CONFIG)
    if args.config:
        text = Path(args.config).read_text() if os.path.exists(args.config) else args.config
        cfg_dict.update(json.loads(text))
    config = SambaYConfig(**cfg_dict)
    contexts = [int(x) for x in args.contexts.split(",") if x]

    torch.manual_seed(args.seed)
    sambay = SambaYForCausalLM(config)
    sambay.init_weights(seed=args.seed)
    sambay.set_dtype(dtype)
    sambay = sambay.to(device).eval()
    base = BaselineTransformer(config)
    base.init_weights(seed=args.seed)
    base = base.to(device=device, dtype=dtype).eval()
    n_params = {
        "sambay": sum(p.numel() for p in sambay.parameters()),
        "baseline": sum(p.numel() for p in base.parameters()),
    }
    esize = torch.tensor([], dtype=dtype).element_size()
    rows: list[dict[str, Any]] = []
    skipped: list[int] = []
    print(f"config: {json.dumps(cfg_dict)}")
    print(
        f"params: {n_params}; device {device}, dtype {dtype_name}, threads {torch.get_num_threads()}"
    )
    for L in contexts:
        # the baseline's K/V plus working memory; skip a context that would not fit comfortably
        need = (
            2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim * L * esize
        )
        width = max(2 * config.intermediate_size, 2 * config.d_inner, config.hidden_size)
        need += 12 * (args.chunk or L) * width * 4 + 2**30 * (device.type == "cuda")
        avail = _mem_available()
        if avail is not None and need > 0.6 * avail:
            print(
                f"skipping context {L}: needs ~{need / 2**30:.1f} GiB, {avail / 2**30:.1f} GiB free"
            )
            skipped.append(L)
            continue
        for r in _run_context(
            {"sambay": sambay, "baseline": base},
            L,
            args.decode_tokens,
            args.warmup,
            args.chunk,
            device,
            args.seed,
        ):
            rows.append(r)
            print(
                f"{r['model']:8s} L={L:6d} prefill {r['prefill_s']:7.2f}s  decode "
                f"{r['decode_ms_per_token']:7.2f} ms/tok ({r['decode_tok_s']:6.1f} tok/s)  "
                f"cache {r['cache_bytes'] / 2**20:8.2f} MiB",
                flush=True,
            )
    summary = _summary(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "config": cfg_dict,
        "params": n_params,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "dtype": dtype_name,
        "torch": torch.__version__,
        "decode_tokens": args.decode_tokens,
        "prefill_chunk": args.chunk,
        "skipped_contexts": skipped,
    }
    result = {"meta": meta, "rows": rows, "summary": summary}
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    table = _table(rows)
    timing = rows[0]["timing"] if rows else "wall clock"
    lines = [
        f"# SambaY vs Transformer ({device}, {dtype_name}, times: {timing})",
        "",
        table,
        "",
    ]
    if summary:
        lo, hi = summary["decode_growth_context"]
        ratio = summary["decode_growth_ratio"]
        lines += [
            f"- decode-time growth {lo} -> {hi}: SambaY {summary['decode_growth_ms_sambay']:+.2f} ms, "
            f"Transformer {summary['decode_growth_ms_baseline']:+.2f} ms "
            f"(ratio {ratio:.3f})"
            if ratio is not None
            else "- decode growth: n/a",
            f"- cache at {hi}: Transformer / SambaY = {summary['cache_ratio_at_hi']:.1f}x",
            f"- prefill at {hi}: Transformer / SambaY = {summary['prefill_speedup_at_hi']:.2f}x",
        ]
    if skipped:
        lines.append(f"- skipped contexts (memory): {skipped}")
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    _plot(
        rows,
        out / "bench.png",
        f"SambaY vs Transformer: {config.num_hidden_layers} layers, "
        f"width {config.hidden_size}, {dtype_name}, {device}",
    )
    print()
    print("\n".join(lines))
    print(f"\nwrote {out / 'bench.json'}, {out / 'bench.md'}, {out / 'bench.png'}")
    return result


if __name__ == "__main__":
    main()
