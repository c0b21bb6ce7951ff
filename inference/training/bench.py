"""Speed of the built-in tutor model on this machine: ``python -m inference.training.bench``.

Through the real engine (``LocalEngine``: continuous batching, the exact-arithmetic step follower)
with one torch thread, on demo-curriculum problems:

* time to first text (submit -> first text shown: the first checked line for the served engine,
  the first token for the raw model), p50 and p90, one stream at a time;
* tokens/s of one stream (tokens of a whole explanation over its whole time, retries included)
  and the time of a complete explanation;
* 16 concurrent streams: total tokens/s and its ratio to one stream, two ways: 16 explanations
  started together and waited for to the last (the longest one's tail runs alone), and 16 kept in
  flight (as in a class: a client asks for the next problem when its explanation ends), counted
  until the first client finds no problem left.

Side by side, in the same run: the same model without exact arithmetic and step checks (the raw
model), which shows what the CAS work costs. Each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import threading
import time
from pathlib import Path

import torch

from inference.engines.base import GenerationRequest
from inference.engines.local import LocalEngine
from inference.training.evaluate import DEFAULT_MODEL, demo_items


def _one(engine: LocalEngine, statement: str, seed: int) -> tuple[float, float, int]:
    """(time to first text, total time, tokens) of one explanation."""
    t0 = time.perf_counter()
    handle = engine.submit(GenerationRequest(messages=[], statement=statement, seed=seed))
    first = None
    for piece in handle:
        if first is None and piece:
            first = time.perf_counter()
    end = time.perf_counter()
    return (first or end) - t0, end - t0, handle.completion_tokens


def _concurrent(engine: LocalEngine, statements: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    handles = [
        engine.submit(GenerationRequest(messages=[], statement=s, seed=i))
        for i, s in enumerate(statements)
    ]
    for h in handles:
        for _ in h:
            pass
    return time.perf_counter() - t0, sum(h.completion_tokens for h in handles)


def _sustained(engine: LocalEngine, statements: list[str], streams: int) -> float:
    """Total tokens/s with `streams` explanations always in flight."""
    pool = iter(statements)
    lock = threading.Lock()
    handles = []
    drained = threading.Event()
    tokens_at_drain = [0]

    def client() -> None:
        while True:
            with lock:
                statement = next(pool, None)
                if statement is None:
                    if not drained.is_set():  # from here on fewer streams are in flight
                        tokens_at_drain[0] = sum(h.completion_tokens for h in handles)
                        drained.set()
                    return
                handle = engine.submit(
                    GenerationRequest(messages=[], statement=statement, seed=len(handles))
                )
                handles.append(handle)
            for _ in handle:
                pass

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(streams)]
    for thread in threads:
        thread.start()
    drained.wait()
    wall = time.perf_counter() - t0
    for thread in threads:
        thread.join()
    return tokens_at_drain[0] / wall


def measure(engine: LocalEngine, statements: list[str], streams: int) -> dict[str, float]:
    ttft, totals, rates = [], [], []
    for i, s in enumerate(statements):
        first, total, tokens = _one(engine, s, i)
        ttft.append(first * 1000)
        totals.append(total)
        # Whole explanations (the served engine shows text line by line, so a rate measured
        # from the first text on would flatter it).
        rates.append(tokens / total)
    wall, tokens = _concurrent(engine, (statements * streams)[:streams])
    single = statistics.median(rates)
    # Each statement several times over: 16 clients stay busy long past the start.
    sustained = _sustained(
        engine, list(itertools.islice(itertools.cycle(statements), 4 * streams)), streams
    )
    return {
        "first_text_p50_ms": statistics.median(ttft),
        "first_text_p90_ms": statistics.quantiles(ttft, n=10)[-1],
        "one_stream_tok_s": single,
        "explanation_p50_s": statistics.median(totals),
        "explanation_max_s": max(totals),
        "concurrent_tok_s": tokens / wall,
        "concurrent_ratio": tokens / wall / single,
        "in_flight_tok_s": sustained,
        "in_flight_ratio": sustained / single,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--problems", type=int, default=20, help="demo problems per run")
    ap.add_argument("--streams", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    items = [it for it in demo_items() if not it.family.startswith("written:")]
    step = max(1, len(items) // a.problems)
    statements = [it.statement for it in items[::step]][: a.problems]
    engines = {
        "exact arithmetic (served)": LocalEngine(a.model, torch_threads=1),
        "raw model (peer)": LocalEngine(a.model, torch_threads=1, exact_arithmetic=False),
    }
    for engine in engines.values():  # warm-up: first SymPy imports and allocations
        _one(engine, statements[0], 0)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in engines}
    for _ in range(a.runs):
        for name, engine in engines.items():
            results[name].append(measure(engine, statements, a.streams))
    for engine in engines.values():
        engine.close()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; torch {torch.__version__}, 1 thread; model {a.model.name}; "
        f"{a.problems} demo problems, {a.streams} concurrent streams; median of {a.runs} runs"
    )
    keys = list(next(iter(results.values()))[0])
    head = f"{'':<22}" + "".join(f"{name:>28}" for name in engines)
    print(head)
    print("-" * len(head))
    for key in keys:
        row = f"{key:<22}"
        for name in engines:
            row += f"{statistics.median(r[key] for r in results[name]):>28.2f}"
        print(row)


if __name__ == "__main__":
    main()
