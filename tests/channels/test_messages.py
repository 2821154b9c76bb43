"""The socket.io channel's payloads for the web widget (pure part; Rasa side in integration)."""

from __future__ import annotations

from channels.messages import history, shopper_metadata, shows_something, widget_message


def test_an_agent_reply_keeps_who_wrote_it() -> None:
    # BotUttered.message() of a bot event appended by the handoff service
    message = {"text": "Hei, Anna tässä!", "timestamp": 1.5e9, "agent": "anna", "from": "agent"}
    assert widget_message(message) == {
        "text": "Hei, Anna tässä!",
        "metadata": {"agent": "anna", "from": "agent"},
        "timestamp": 1.5e9,
    }


def test_text_buttons_and_state_travel_in_one_message() -> None:
    message = {
        "text": "Olet jonossa sijalla 1.\n\nVoit kirjoittaa lisätietoja.",
        "buttons": [{"title": "Kyllä", "payload": "/affirm"}, {"title": "", "payload": "/x"}],
        "quick_replies": None,
        "custom": None,
        "image": None,
        "attachment": None,
        "elements": None,
        "handoff": "queued",
        "language": "fi",
        "utter_action": "utter_handoff_queued",  # Rasa's own: not for browsers
        "condition": [{"type": "slot", "name": "language", "value": "fi"}],
    }
    payload = widget_message(message)
    assert payload == {
        "text": "Olet jonossa sijalla 1.\n\nVoit kirjoittaa lisätietoja.",  # not split
        "quick_replies": [{"content_type": "text", "title": "Kyllä", "payload": "/affirm"}],
        "metadata": {"handoff": "queued", "language": "fi"},
    }


def test_custom_payloads_pass_and_empty_messages_show_nothing() -> None:
    assert widget_message({"custom": {"card": 1}})["custom"] == {"card": 1}
    assert not shows_something(widget_message({"text": "", "language": "sv"}))
    # Rasa sets the attachment to the image too; the image is sent once
    both = widget_message(
        {"image": "https://x.example/a.png", "attachment": "https://x.example/a.png"}
    )
    assert both["image"] == "https://x.example/a.png" and "attachment" not in both


def test_history_is_the_bot_messages_after_a_moment() -> None:
    events = [
        {"event": "user", "text": "hej", "timestamp": 10.0},
        {"event": "bot", "text": "old", "timestamp": 11.0, "data": {}, "metadata": {}},
        {"event": "slot", "name": "handoff", "value": "active", "timestamp": 12.0},
        {
            "event": "bot",
            "text": "Hej, Anna här!",
            "timestamp": 13.0,
            "data": {"buttons": None},
            "metadata": {"agent": "anna", "from": "agent"},
        },
        {"event": "bot", "text": None, "timestamp": 14.0, "data": {}, "metadata": {}},
    ]
    assert history(events, since=11.0) == [
        {
            "text": "Hej, Anna här!",
            "metadata": {"agent": "anna", "from": "agent"},
            "timestamp": 13.0,
        }
    ]
    assert [m["text"] for m in history(events, since=0)] == ["old", "Hej, Anna här!"]
    assert [m["text"] for m in history(events, since=0, limit=1)] == ["Hej, Anna här!"]


def test_the_shoppers_address_is_the_channels_never_the_clients_claim() -> None:
    sent = {"language": "sv", "client_address": "203.0.113.66"}  # a client pretending

    assert shopper_metadata(sent, "198.51.100.7") == {
        "language": "sv",
        "client_address": "198.51.100.7",
    }
    assert shopper_metadata('{"language": "en", "client_address": "x"}', None) == {"language": "en"}
    assert shopper_metadata("not json", "198.51.100.7") == {"client_address": "198.51.100.7"}
    assert shopper_metadata(["a list"], "") == {}
