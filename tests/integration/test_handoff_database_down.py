"""``faqbot handoff serve`` with its PostgreSQL database on a port where nothing listens."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml

from scripts.stack import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

PASSWORD_IN_URL = "db-password-5e07"


def test_the_service_starts_and_reports_the_database_down(tmp_path: Path) -> None:
    config = tmp_path / "handoff.yml"
    config.write_text(yaml.safe_dump({"domain_file": str(ROOT / "domain.yml")}), encoding="utf-8")
    port = free_port()
    env = dict(
        os.environ,
        FAQBOT_HANDOFF_CONFIG=str(config),
        FAQBOT_DATABASE_URL=f"postgresql://faqbot:{PASSWORD_IN_URL}@127.0.0.1:{free_port()}/x",
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        RASA_AUTH_TOKEN="rasa-token-in-test",
    )
    log = tmp_path / "handoff.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            [str(ROOT / ".venv/bin/faqbot"), "handoff", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and child.poll() is None and time.monotonic() < deadline:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            except requests.ConnectionError:
                time.sleep(0.2)
        assert child.poll() is None, log.read_text()  # still running
        assert health == {"status": "degraded", "database": False, "rasa": False, "outbox": {}}
    finally:
        child.terminate()
        child.wait(timeout=20)
    text = log.read_text()
    assert "cannot prepare the database" in text and "Connection refused" in text
    assert PASSWORD_IN_URL not in text
