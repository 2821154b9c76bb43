"""The REST client: replies parsed, and a clear error for every way the bot can be missing."""

from __future__ import annotations

import pytest

from bot.e2e.client import BotMessage, Button, RestClient, parse_messages
from bot.errors import BotUnreachable
from scripts.stack import free_port
from tests.bot.e2e.fake_rasa import fake_rasa


def test_a_reply_becomes_messages_with_buttons() -> None:
    reply = [
        {"recipient_id": "x", "text": "Which one?", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "x", "image": "https://example.com/x.png"},
    ]
    with fake_rasa({"hello": reply}) as url:
        messages = RestClient(url + "/").send("case-1", "hello")
    assert messages == [BotMessage("Which one?", (Button("A", "/a"),)), BotMessage("")]


def test_an_unreachable_address_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(BotUnreachable, match=r"cannot reach the bot at .*Connection refused"):
        RestClient(url).send("case-1", "hello")


@pytest.mark.parametrize("url", ["127.0.0.1:5005", "ftp://example.com", ""])
def test_an_address_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(BotUnreachable, match="not a web address"):
        RestClient(url)


def test_a_server_without_the_rest_channel_is_a_clear_error() -> None:
    with fake_rasa({}, status=404) as url, pytest.raises(BotUnreachable, match="HTTP 404"):
        RestClient(url).send("case-1", "hello")


def test_an_answer_that_is_not_rasas_is_a_clear_error() -> None:
    with fake_rasa({}, body=b"<html>hi</html>") as url, pytest.raises(BotUnreachable, match="JSON"):
        RestClient(url).send("case-1", "hello")
    with pytest.raises(BotUnreachable, match="list of messages"):
        parse_messages({"text": "hi"})
