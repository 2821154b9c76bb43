"""channels.domain_digest: the action server gets the domain once, and again after a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.channels.test_python310 import RASA_PYTHON, ROOT

pytestmark = pytest.mark.integration

# A real rasa-sdk action server (.venv) with one action that reports how many responses the
# domain it runs with has.
_SERVER = """
import sys
from rasa_sdk import Action
from rasa_sdk.endpoint import create_app
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor

class CountResponses(Action):
    def name(self):
        return "action_count_responses"

    def run(self, dispatcher, tracker, domain):
        return [SlotSet("contact_question", str(len(domain["responses"])))]

executor = ActionExecutor()
executor.register_action(CountResponses())
app = create_app(executor)
app.run(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, access_log=False, motd=False)
"""

# Runs in .venv-rasa with the real domain and the patches in channels.server's order: three
# calls, the action server restarted, a fourth call. Records which HTTP calls carried the domain.
_RUN = """
import asyncio, json, socket, subprocess, sys, time, urllib.request
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

sdk_python, server_code, mode = sys.argv[1:4]
if mode == "patched":
    from channels import actions_down, domain_digest
    domain_digest.install()
    domain_digest.install()
    actions_down.install()

with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

def start():
    server = subprocess.Popen([sdk_python, "-c", server_code, str(port)])
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)

carried = []
request = EndpointConfig.request
async def recording(self, *args, **kwargs):
    carried.append("domain" in (kwargs.get("json") or {}))
    return await request(self, *args, **kwargs)
EndpointConfig.request = recording

domain = Domain.load("domain.yml")
tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen")], domain.slots)
action = RemoteAction("action_count_responses", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))

async def call():
    events = await action.run(CollectingOutputChannel(), None, tracker, domain)
    return [[e.type_name, getattr(e, "key", None), getattr(e, "value", None)] for e in events]

server = start()
try:
    results = [asyncio.run(call()) for _ in range(3)]
    server.terminate(); server.wait(30)
    server = start()
    results.append(asyncio.run(call()))
finally:
    server.terminate(); server.wait(30)
print(json.dumps({"carried": carried, "results": results, "responses": len(domain.responses)}))
"""


def _run(mode: str) -> dict[str, object]:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _RUN, sys.executable, _SERVER, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_domain_goes_once_and_again_to_a_restarted_action_server(tmp_path: Path) -> None:
    report = _run("patched")
    expected = [["slot", "contact_question", str(report["responses"])]]
    assert report["results"] == [expected] * 4  # every call ran with the whole domain
    # first call with it; then without; after the restart: without, a 449, again with it
    assert report["carried"] == [True, False, False, False, True]
