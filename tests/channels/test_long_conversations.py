"""channels.long_conversations: a long session starts anew at a quiet moment, slots kept once."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.channels.test_python310 import RASA_PYTHON, ROOT

pytestmark = pytest.mark.integration

# Runs in .venv-rasa with the real domain: trackers of a few shapes, Rasa's verdict and carried
# slots before and after the patch.
_RUN = """
import json
from rasa.core.actions.action import ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, ConversationPaused, SlotSet, UserUttered, BotUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

domain = Domain.load("domain.yml")

def turns(count):
    events = []
    for n in range(count):
        events += [
            ActionExecuted("action_listen"),
            UserUttered(f"question {n}", {"name": "ask_faq", "confidence": 1.0}),
            SlotSet("language", ("fi", "sv", "en")[n % 3]),
            SlotSet("not_helped", n % 2),
            ActionExecuted("action_answer_faq"),
            BotUttered(f"answer {n}"),
        ]
    return events + [ActionExecuted("action_listen")]

def tracker(events):
    return DialogueStateTracker.from_events("shopper", events, slots=domain.slots)

class Processor:  # _has_session_expired only reads self.domain
    pass
processor = Processor()
processor.domain = domain

LISTEN = ActionExecuted("action_listen")

def aged(events, seconds):  # as if they happened ``seconds`` ago
    for event in events:
        event.timestamp -= seconds
    return events

def verdicts():
    long = turns(40)
    shapes = {
        "short": turns(3),
        "long": long,
        "long_in_form": long[:-1] + [ActiveLoop("order_status_form"), LISTEN],
        "long_paused": long[:-1] + [ConversationPaused(), LISTEN],
        "long_mid_turn": long[:-1],
        "old": aged(turns(3), 2 * 3600),
        "old_paused": aged(turns(3)[:-1] + [ConversationPaused(), LISTEN], 2 * 3600),
    }
    expired = MessageProcessor._has_session_expired
    return {name: expired(processor, tracker(events)) for name, events in shapes.items()}

def carried():
    events = ActionSessionStart._slot_set_events_from_tracker(tracker(turns(40)))
    return [[e.key, e.value] for e in events]

before = {"expired": verdicts(), "carried": carried()}
from channels import long_conversations
long_conversations.install()
long_conversations.install()
after = {"expired": verdicts(), "carried": carried()}
print(json.dumps({"before": before, "after": after}))
"""


def test_a_long_quiet_or_an_expired_unpaused_session_starts_anew_slots_carried_once() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"FAQBOT_SESSION_MAX_EVENTS": "150", "PATH": "/usr/bin:/bin"},
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    before, after = figures["before"], figures["after"]
    # plain Rasa: only the 60 minutes count, paused or not
    assert [name for name, expired in before["expired"].items() if expired] == ["old", "old_paused"]
    assert after["expired"] == {
        "short": False,
        "long": True,
        "long_in_form": False,
        "long_paused": False,
        "long_mid_turn": False,
        "old": True,
        "old_paused": False,  # a shopper waiting for a person over the expiry stays paused
    }
    assert len(before["carried"]) == 80  # every SlotSet of the old session
    assert after["carried"] == [["language", "fi"], ["not_helped", 1]]  # the last turn's values
