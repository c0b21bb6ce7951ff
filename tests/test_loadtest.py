"""The load harness runs end to end on a tiny classroom (the real stack from the Procfile,
its own SQLite file and private Redis), and its report says what it must."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_loadtest_runs_a_tiny_classroom(tmp_path):
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [
            sys.executable, "-m", "tutor.loadtest", "--students", "3", "--answers", "2",
            "--streams", "1", "--burst", "25", "--think-min", "0.1", "--think-max", "0.3",
            "--time-limit", "240", "--out", str(tmp_path),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = result.stdout
    assert result.returncode == 0, report + result.stderr[-3000:]
    assert "answers sent 6, stored 6 (all stored)" in report
    assert "HTTP 500s: 0;" in report
    assert "alive to the end" in report
    assert "closed 4429 5, open and echoing 20" in report
    assert "| answer | 6 |" in report and "| web: daphne |" in report
    assert (tmp_path / "report.md").read_text().strip() == report.strip()
