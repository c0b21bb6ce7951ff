"""The deployment files agree with the project (there is no Docker engine here to run them)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "worker-gpu", "beat"]


def test_all_services_are_declared():
    assert set(SERVICES) >= {"web", "worker", "worker-gpu", "beat", "redis", "postgres", "vllm"}


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_has_an_image_or_build_and_a_healthcheck_where_it_serves(name):
    service = SERVICES[name]
    assert "image" in service or "build" in service
    if name != "beat":
        assert "healthcheck" in service, f"{name} has no healthcheck"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_from_this_project(name):
    service = SERVICES[name]
    assert service["build"] == "."
    assert (ROOT / "Dockerfile").exists()
    for dep in service.get("depends_on", {}):
        assert dep in SERVICES


def test_dockerfile_copies_only_files_that_exist():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY") and "--from" not in line:
            *sources, _dest = line.split()[1:]
            for source in sources:
                if source != ".":
                    assert (ROOT / source).exists(), source


def test_commands_point_at_real_entry_points():
    web = " ".join(SERVICES["web"]["command"])
    # The web service runs config.serve, which starts daphne processes on the ASGI app.
    assert "-m config.serve" in web
    import socket

    from config import serve

    with socket.socket() as sock:
        daphne = " ".join(serve.daphne_command(sock, []))
    module, attr = daphne.split()[-1].split(":")
    assert hasattr(importlib.import_module(module), attr)
    assert "migrate" in web
    for name in ["worker", "worker-gpu", "beat"]:
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "config"]
    from config.celery import app

    queues = {q.name for q in app.conf.task_queues}
    assert SERVICES["worker"]["command"][SERVICES["worker"]["command"].index("-Q") + 1] in queues
    assert (
        SERVICES["worker-gpu"]["command"][SERVICES["worker-gpu"]["command"].index("-Q") + 1]
        == "gpu"
    )
    assert settings.CELERY_TASK_ROUTES["inference.tasks.*"]["queue"] == "gpu"


def test_gpu_services_reserve_an_nvidia_device():
    for name in ["worker-gpu", "vllm"]:
        devices = SERVICES[name]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]


def test_environment_names_are_the_ones_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    for name in APP_SERVICES:
        env = SERVICES[name].get("environment", {})
        for key in env:
            assert f'"{key}"' in settings_source, f"{name}: settings never read {key}"
    assert SERVICES["web"]["environment"]["DATABASE_URL"].startswith("postgres://")
    assert SERVICES["web"]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_named_volumes_are_declared():
    declared = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_vllm_profile_uses_the_documented_settings():
    vllm = SERVICES["vllm"]
    assert vllm["image"].endswith(":v0.10.2")
    assert vllm["environment"]["VLLM_ATTENTION_BACKEND"] == "DIFFERENTIAL_FLASH_ATTN"
    assert "--no-enable-prefix-caching" in vllm["command"]
    assert "--no-enable-chunked-prefill" in vllm["command"]


def test_docker_compose_config_when_the_client_exists(tmp_path):
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("no `docker compose` client on this machine")
    result = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"SECRET_KEY": "test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_procfile_runs_web_worker_and_private_redis():
    procfile = (ROOT / "Procfile").read_text()
    assert "config.embedded_redis serve" in procfile
    assert "-m config.serve" in procfile  # several daphne processes on config.asgi:application
    assert re.search(r"celery -A config worker -Q default,gpu", procfile)
