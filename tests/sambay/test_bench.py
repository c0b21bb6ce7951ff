import json

from inference.sambay import bench


def test_bench_smoke(tmp_path):
    cfg = json.dumps(
        {
            "vocab_size": 512,
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 8,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "sliding_window": 16,
        }
    )
    res = bench.main(
        [
            "--contexts",
            "64,128",
            "--decode-tokens",
            "2",
            "--warmup",
            "1",
            "--config",
            cfg,
            "--out",
            str(tmp_path),
        ]
    )
    assert {p.name for p in tmp_path.iterdir()} == {"bench.json", "bench.md", "bench.png"}
    rows = res["rows"]
    assert {(r["model"], r["context"]) for r in rows} == {
        (m, c) for m in ("sambay", "baseline") for c in (64, 128)
    }
    by = {(r["model"], r["context"]): r for r in rows}
    # the baseline's cache is every layer's K/V; SambaY's grows in one layer only
    assert by[("baseline", 128)]["cache_bytes"] == 8 * 2 * 2 * 16 * 128 * 4
    growth = by[("sambay", 128)]["cache_bytes"] - by[("sambay", 64)]["cache_bytes"]
    assert growth == 2 * 2 * 16 * 64 * 4
    assert "decode_growth_ratio" in res["summary"]
