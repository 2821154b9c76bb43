"""A redis-server of the tests' own (Rasa's lock store, Messenger's shared ids)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from scripts.stack import free_port


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    """A redis-server of the test's own."""
    if not shutil.which("redis-server"):
        if os.environ.get("FAQBOT_REQUIRE_SCALE") == "1":
            pytest.fail("FAQBOT_REQUIRE_SCALE=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _listens(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _listens(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
