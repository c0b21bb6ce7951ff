"""The purity check of the pure cores (docs/architecture.md): every module of a core imported in
a fresh interpreter pulls in no Django, no Celery, no Channels and no Redis client, and no
project module outside the pure cores (the package ``__init__`` files aside)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PURE_CORES = ("curriculum.answers", "tutor.adaptive", "inference.sambay", "inference.steps")
# The Django side's stack: none of it may be imported by a pure core.
FORBIDDEN = ("django", "celery", "kombu", "channels", "channels_redis", "daphne", "redis")
PROJECT = ("config", "curriculum", "inference", "tutor")

_SCRIPT = """
import importlib, json, pkgutil, sys
checked = []
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    checked.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        checked.append(info.name)
print(json.dumps({"checked": checked, "modules": sorted(sys.modules)}))
"""


def imported_by(*packages: str) -> tuple[list[str], list[str]]:
    """(the modules of ``packages``, all of them imported; every module then loaded), from a
    fresh interpreter in the repository root."""
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["checked"], data["modules"]


def assert_pure(*packages: str) -> None:
    checked, modules = imported_by(*packages)
    assert len(checked) > len(packages), checked  # the submodules were found and imported
    stack = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN)
    assert not stack, f"{', '.join(packages)} imported {stack[:10]}"
    outside = sorted(
        m
        for m in modules
        if m.split(".")[0] in PROJECT
        and m not in PROJECT
        and not any(m == core or m.startswith(core + ".") for core in PURE_CORES)
    )
    assert not outside, f"{', '.join(packages)} imported project modules {outside[:10]}"
