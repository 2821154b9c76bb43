"""channels.messenger.RedisSeenEvents: a Messenger webhook delivered again to another Rasa
server is skipped there too; without Redis the event is still handled (never dropped)."""

from __future__ import annotations

import json
import subprocess

import pytest

from scripts.stack import free_port
from tests.channels.test_python310 import RASA_PYTHON, ROOT

pytestmark = pytest.mark.integration

_RUN = """
import asyncio, json, os, sys
from channels.messenger import RedisSeenEvents, SeenEvents, seen_events_from_env

async def main(url, dead_url):
    one, other = RedisSeenEvents(url), RedisSeenEvents(url)  # two Rasa servers
    await one._redis.flushdb()
    first = await one.first_delivery("mid:m.1")
    again_elsewhere = await other.first_delivery("mid:m.1")
    again_here = await one.first_delivery("mid:m.1")
    another = await other.first_delivery("mid:m.2")
    ttl = await one._redis.ttl(RedisSeenEvents.PREFIX + "mid:m.1")
    dead = await RedisSeenEvents(dead_url, timeout=0.5).first_delivery("mid:m.3")
    os.environ["FAQBOT_REDIS_URL"] = url
    shared = type(seen_events_from_env()).__name__
    os.environ["FAQBOT_REDIS_URL"] = ""
    local = type(seen_events_from_env()).__name__
    print(json.dumps({"first": first, "again_elsewhere": again_elsewhere,
        "again_here": again_here, "another": another, "ttl": ttl, "dead": dead,
        "shared": shared, "local": local}))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_a_repeat_reaching_another_server_is_skipped_and_a_dead_redis_drops_nothing(
    redis_port: int,
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", _RUN, f"redis://127.0.0.1:{redis_port}/4", dead],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["first"] is True
    assert seen["again_elsewhere"] is False
    assert seen["again_here"] is False
    assert seen["another"] is True
    assert 0 < seen["ttl"] <= 24 * 3600
    assert seen["dead"] is True  # handled: a shopper's message is never dropped for Redis
    assert "Redis did not answer" in done.stderr
    assert (seen["shared"], seen["local"]) == ("RedisSeenEvents", "SeenEvents")
