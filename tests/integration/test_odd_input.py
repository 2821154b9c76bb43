"""End to end: every odd message over REST gets a reply, and the conversation goes on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from channels.shopper_text import MAX_MESSAGE_CHARS
from scripts.stack import Stack
from tests.integration.bot_stack import bot_stack

pytestmark = pytest.mark.integration

ODD_MESSAGES = [
    "x\ud800",  # a lone surrogate (valid JSON: "x\\ud800")
    "/help",
    "/restart",
    "/session_start",
    "/nlu_fallback",
    "hei\x00 paljonko toimitus maksaa",
    "\x00\x01\x02",
    "",
    "   \n\t ",
    "paljonko toimitus maksaa? " * 8_000,  # 200,000 characters
    "🙂🙂🙂 <script>alert(1)</script>",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Rasa + action server on free ports with a fresh SQLite tracker store."""
    with bot_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def _shown(replies: list[dict[str, object]]) -> bool:
    return any(r.get("text") or r.get("buttons") for r in replies)


@pytest.mark.parametrize("message", ODD_MESSAGES, ids=range(len(ODD_MESSAGES)))
def test_every_message_gets_a_reply_and_the_conversation_goes_on(
    stack: Stack, message: str
) -> None:
    sender = f"odd-{uuid.uuid4().hex[:8]}"
    assert _shown(stack.send(sender, "paljonko toimitus maksaa?"))
    assert _shown(stack.send(sender, message, timeout=60)), repr(message[:40])
    assert _shown(stack.send(sender, "kiitos")), "the conversation stopped"
    events = stack.tracker(sender)["events"]
    assert isinstance(events, list)
    names = [e.get("name") for e in events if e.get("event") == "action"]
    assert "action_restart" not in names and names.count("action_session_start") == 1
    for text in (str(e.get("text") or "") for e in events if e.get("event") == "user"):
        text.encode("utf-8")  # what Rasa, the tracker store and the actions saw is valid text
        assert "\x00" not in text and not text.startswith("/"), repr(text[:40])
        assert len(text) <= MAX_MESSAGE_CHARS


def test_the_bots_buttons_still_work(stack: Stack) -> None:
    sender = f"odd-{uuid.uuid4().hex[:8]}"
    stack.send(sender, "paljonko toimitus maksaa?")
    answer = stack.send(sender, '/rate{"rating":"up"}')
    assert _shown(answer)
    intents = [
        e["parse_data"]["intent"]["name"]  # type: ignore[index]
        for e in stack.tracker(sender)["events"]  # type: ignore[union-attr]
        if e.get("event") == "user"
    ]
    assert intents[-1] == "rate"
