"""channels.actions_down: a failed custom action still gives the shopper a reply, in Rasa 3.6."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import cast

import pytest

from scripts.stack import free_port
from tests.channels.test_python310 import ROOT, run_in_rasa

pytestmark = pytest.mark.integration

# Runs in .venv-rasa: each scenario (action server URL, language) is one turn of two failing
# custom actions; the first scenarios without the patch, the rest with it.
_RUN = """
import asyncio, json, sys
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

domain = Domain.load("domain.yml")
nlg = TemplatedNaturalLanguageGenerator(domain.responses)

async def turn(url, language):
    events = [SlotSet("language", language)] if language else []
    tracker = DialogueStateTracker.from_events(
        "shopper", [*events, UserUttered("hur lång är leveranstiden?")], slots=domain.slots
    )
    action = RemoteAction("action_answer_faq", EndpointConfig(url))
    said = []
    for _ in range(2):
        try:
            events = await action.run(CollectingOutputChannel(), nlg, tracker, domain)
        except ActionExecutionRejection:
            said.append("rejected")
            continue
        except Exception as exc:
            said.append(f"raised {type(exc).__name__}")
            continue
        for event in events:
            tracker.update(event)
        said.append([[e.type_name, e.text, e.metadata.get("utter_action")] for e in events])
    return said

plain, patched = json.loads(sys.argv[1])
results = [asyncio.run(turn(*scenario)) for scenario in plain]
from channels import actions_down
actions_down.install()
actions_down.install()  # twice: still one wrapper
results += [asyncio.run(turn(*scenario)) for scenario in patched]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def rejecting_server() -> Iterator[str]:
    """An action server that answers 400 (a form validation rejecting the action)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"action_name": "action_answer_faq", "error": "no"}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()


@pytest.fixture(scope="module")
def turns(rejecting_server: str) -> dict[str, list[object]]:
    """What each scenario's turn said, from one Rasa process (importing Rasa takes a while)."""
    down = f"http://127.0.0.1:{free_port()}/webhook"  # nothing listens there
    plain = {"plain": [down, "en"]}
    patched = {"sv": [down, "sv"], "unknown": [down, None], "rejected": [rejecting_server, "en"]}
    said = cast(
        list[object], run_in_rasa(_RUN, json.dumps([list(plain.values()), list(patched.values())]))
    )
    return dict(zip([*plain, *patched], said, strict=True))


def _texts() -> dict[str, str]:
    """utter_actions_down's texts by the language they are for ("none": no condition)."""
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    variations = domain["responses"]["utter_actions_down"]
    by_language = {}
    for variation in variations:
        conditions = variation.get("condition") or [{"value": "none"}]
        by_language[conditions[0]["value"]] = variation["text"]
    return by_language


def test_an_unreachable_action_server_gets_the_contact_text_once_per_turn(
    turns: dict[str, list[object]],
) -> None:
    sv = _texts()["sv"]
    assert "020 123 4567" in sv and "asiakaspalvelu@kairaoutdoor.example" in sv
    assert turns["sv"] == [[["bot", sv, "utter_actions_down"]], []]


def test_without_a_language_yet_the_contact_text_is_in_all_three(
    turns: dict[str, list[object]],
) -> None:
    text = _texts()["none"]
    assert all(phrase in text for phrase in ("Pahoittelut", "Förlåt", "Sorry"))
    assert turns["unknown"] == [[["bot", text, "utter_actions_down"]], []]


def test_plain_rasa_says_nothing_when_the_action_server_is_down(
    turns: dict[str, list[object]],
) -> None:
    """What the patch is for: without it the failure only raises (and the turn is silent)."""
    assert turns["plain"] == ["raised RasaException", "raised RasaException"]


def test_a_validation_rejection_is_still_rasas_to_handle(turns: dict[str, list[object]]) -> None:
    assert turns["rejected"] == ["rejected", "rejected"]
