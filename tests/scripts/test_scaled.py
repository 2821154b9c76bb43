"""scripts/scaled.py: what the scale-out mode hands Rasa, the handoff service and HAProxy."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from scripts.scaled import ScaledStack, haproxy_config
from tests.conftest import ROOT


def scaled(tmp_path: Path, **changes: object) -> ScaledStack:
    settings: dict[str, object] = {
        "rasa_port": 5005,
        "actions_port": 5055,
        "token": "t",
        "log_dir": tmp_path / "logs",
        "tracker_db": tmp_path / "tracker.db",
        "handoff_port": 8000,
        "postgres_url": "postgresql://bot:p%40ss%2Fword@db.internal:6432/shop",
        "rasa_ports": [7001, 7002, 7003],
        "action_ports": [7101, 7102],
        "rasa_servers": 3,
        **changes,
    }
    return ScaledStack(**settings)  # type: ignore[arg-type]


def test_rasa_and_the_handoff_service_get_the_same_databases(tmp_path: Path) -> None:
    env = scaled(tmp_path, redis_url="redis://:secret@cache.internal:6380/2").environment()
    assert (env["FAQBOT_PG_HOST"], env["FAQBOT_PG_PORT"]) == ("db.internal", "6432")
    assert (env["FAQBOT_PG_USER"], env["FAQBOT_PG_PASSWORD"]) == ("bot", "p@ss/word")
    assert (env["FAQBOT_PG_TRACKER_DB"], env["FAQBOT_PG_EVENTS_DB"]) == (
        "shop_tracker",
        "shop_events",
    )
    assert env["FAQBOT_EVENT_BROKER_URL"].endswith("@db.internal:6432/shop_events")
    # the handoff service's retention purge reaches the same tracker store as Rasa
    assert (
        env["FAQBOT_TRACKER_URL"] == "postgresql://bot:p%40ss%2Fword@db.internal:6432/shop_tracker"
    )
    assert env["FAQBOT_DATABASE_URL"].endswith("@db.internal:6432/shop_tickets")
    assert [env[f"FAQBOT_REDIS_{k}"] for k in ("HOST", "PORT", "DB", "PASSWORD")] == [
        "cache.internal",
        "6380",
        "2",
        "secret",
    ]
    assert env["FAQBOT_SOCKETIO_REDIS_URL"] == "redis://:secret@cache.internal:6380/2"
    # Rasa's custom actions go to the balancer, not to one action server
    assert env["ACTIONS_PORT"] == "5055"
    assert env["RASA_URL"] == "http://127.0.0.1:5005"


def test_without_a_redis_url_it_starts_its_own_on_a_free_port(tmp_path: Path) -> None:
    stack = scaled(tmp_path)
    assert stack.redis_url is not None and stack.redis_url.startswith("redis://127.0.0.1:")
    assert stack.environment()["FAQBOT_REDIS_PASSWORD"] == ""


def test_other_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        scaled(tmp_path, postgres_url="sqlite:///x.db")


def test_haproxy_balances_rest_round_robin_and_keeps_socketio_sticky(tmp_path: Path) -> None:
    config = haproxy_config(scaled(tmp_path))
    rest = config.split("\nbackend rasa_rest")[1].split("\nbackend ")[0]
    sticky = config.split("\nbackend rasa_socketio")[1].split("\nfrontend ")[0]
    actions = config.split("\nbackend actions")[1]
    assert "balance roundrobin" in rest and "balance source" in sticky
    ports = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]
    for backend in (rest, sticky):
        lines = [line.split() for line in backend.splitlines() if "server rasa-" in line]
        assert [words[2] for words in lines if words[-1] == "check"] == ports
        # a busy server that misses its health checks still gets requests: never a 503
        assert [words[2] for words in lines if words[-1] == "backup"] == ports
        assert "option allbackups" in backend
    assert "127.0.0.1:7101" in actions and "127.0.0.1:7102" in actions
    assert "use_backend rasa_socketio if { path_beg /socket.io }" in config


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    if not shutil.which("haproxy"):
        if os.environ.get("FAQBOT_REQUIRE_SCALE") == "1":
            pytest.fail("FAQBOT_REQUIRE_SCALE=1 but haproxy is not installed")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(scaled(tmp_path)), encoding="utf-8")
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_make_run_scaled_installs_nothing_as_a_normal_user_and_says_what_to_install() -> None:
    # a PATH with the shell's tools but neither redis-server nor haproxy, readable by nobody
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        Path(folder).chmod(0o755)
        result = _scale_services_without_packages(Path(folder))
    assert result.returncode == 1
    assert "sudo apt-get install redis-server haproxy" in result.stderr
    assert result.stdout == ""


def _scale_services_without_packages(folder: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "ls", "dirname", "cat", "head", "od", "tr", "mkdir"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    command = [
        "/usr/bin/env",
        f"PATH={bin_dir}",
        "FAQBOT_SCALE_POSTGRES_URL=postgresql://u:p@db/faqbot",
        str(bin_dir / "bash"),
        str(ROOT / "scripts/scale-services.sh"),
    ]
    if os.geteuid() == 0:  # as CI runs: try it as a user who may not install
        command = ["runuser", "-u", "nobody", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
