"""Messenger's Send API client and Messenger handoffs, against a local Graph API receiver."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.auth import hash_password
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import InvalidTransition, MessengerError
from handoff.messenger import (
    MessengerClient,
    MessengerConfig,
    quick_reply_message,
    shorten,
    split_text,
)
from handoff.store import Store
from tests.graph_api import GraphApi, Reply
from tests.handoff.conftest import Clock, FakeRasa, make_desk

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TOKEN = "page-token-for-tests"
PSID = "6022351234567890"


@pytest.fixture
def graph() -> Iterator[GraphApi]:
    running = GraphApi()
    yield running
    running.close()


def client(graph: GraphApi, **options: object) -> tuple[MessengerClient, list[float]]:
    """A client for ``graph`` that records its backoff pauses instead of sleeping."""
    pauses: list[float] = []
    values: dict[str, object] = {"sleep": pauses.append, **options}
    return MessengerClient(MessengerConfig(TOKEN, graph_url=graph.url), **values), pauses  # type: ignore[arg-type]


# the client ---------------------------------------------------------------------------------


def test_recent_shopper_gets_a_response_message(graph: GraphApi) -> None:
    messenger, _ = client(graph)
    ids = messenger.send_text(
        PSID, "Hei! Olen Anna.", last_user_message_at=NOW - timedelta(hours=23), now=NOW
    )
    (request,) = graph.take(1)
    assert request.path == "/v19.0/me/messages"
    assert request.query == {"access_token": TOKEN}
    assert request.body == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hei! Olen Anna."},
    }
    assert ids == ["m_1"]


def test_after_24_hours_the_human_agent_tag_is_used(graph: GraphApi) -> None:
    messenger, _ = client(graph)
    messenger.send_text(PSID, "Hej!", last_user_message_at=NOW - timedelta(hours=25), now=NOW)
    (request,) = graph.take(1)
    assert request.body == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Hej!"},
    }


def test_server_error_is_retried_and_delivered(graph: GraphApi) -> None:
    graph.script(Reply(500, {"error": {"message": "An unknown error occurred", "code": 1}}))
    messenger, pauses = client(graph)
    ids = messenger.send_text(PSID, "Hello", last_user_message_at=NOW, now=NOW)
    first, second = graph.take(2)
    assert first.body == second.body
    assert ids == ["m_1"] and pauses == [0.5]


def test_three_failures_give_up_with_backoff(graph: GraphApi) -> None:
    graph.script(*[Reply(503, {})] * 3)
    messenger, pauses = client(graph)
    with pytest.raises(MessengerError, match="503") as raised:
        messenger.send_text(PSID, "Hello", last_user_message_at=NOW, now=NOW)
    assert raised.value.retryable
    assert len(graph.take(3)) == 3 and pauses == [0.5, 1.0]
    assert graph.drain() == []


def test_bad_request_is_an_error_and_not_retried(graph: GraphApi) -> None:
    graph.script(
        Reply(
            400,
            {
                "error": {
                    "message": "(#100) No matching user found",
                    "type": "OAuthException",
                    "code": 100,
                    "error_subcode": 2018001,
                    "fbtrace_id": "Abc",
                }
            },
        )
    )
    messenger, pauses = client(graph)
    with pytest.raises(MessengerError) as raised:
        messenger.send_text("unknown-psid", "Hello", last_user_message_at=NOW, now=NOW)
    assert not raised.value.retryable
    assert "400" in str(raised.value) and "No matching user found" in str(raised.value)
    assert "2018001" in str(raised.value)
    assert len(graph.take(1)) == 1 and pauses == []
    # send_text is synchronous and the fake records a request before answering it: a retry
    # would already be here
    assert graph.drain() == []


def test_timeout_is_honoured(graph: GraphApi) -> None:
    graph.script(Reply(delay=5.0), Reply(delay=5.0))
    messenger, _ = client(graph, timeout=0.3, attempts=2, backoff=0.0)
    # without the timeout the fake's delayed 200 would arrive and nothing would be raised
    with pytest.raises(MessengerError, match="timed out") as raised:
        messenger.send_text(PSID, "Hello", last_user_message_at=NOW, now=NOW)
    assert raised.value.retryable
    assert len(graph.take(2)) == 2


def test_errors_never_show_the_page_token() -> None:
    closed = MessengerClient(
        MessengerConfig(TOKEN, graph_url="http://127.0.0.1:9"), attempts=1, backoff=0.0
    )
    with pytest.raises(MessengerError) as raised:
        closed.send_text(PSID, "Hello", last_user_message_at=NOW, now=NOW)
    assert "127.0.0.1:9" in str(raised.value) and TOKEN not in str(raised.value)


def test_app_secret_adds_the_appsecret_proof(graph: GraphApi) -> None:
    messenger = MessengerClient(MessengerConfig(TOKEN, graph_url=graph.url, app_secret="s3cret"))
    messenger.send_text(PSID, "Hello", last_user_message_at=NOW, now=NOW)
    (request,) = graph.take(1)
    proof = hmac.new(b"s3cret", TOKEN.encode(), hashlib.sha256).hexdigest()
    assert request.query == {"access_token": TOKEN, "appsecret_proof": proof}


def test_long_texts_go_out_in_parts_messenger_accepts(graph: GraphApi) -> None:
    paragraph = "Tämä on pitkä vastaus. " * 50  # 1,150 characters
    messenger, _ = client(graph)
    messenger.send_text(PSID, paragraph + "\n\n" + paragraph, last_user_message_at=NOW, now=NOW)
    parts = [r.body["message"]["text"] for r in graph.take(2)]
    assert all(len(part) <= 2000 for part in parts)
    assert " ".join(parts).split() == (paragraph + paragraph).split()
    assert split_text("x" * 4500) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_config_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEBOOK_PAGE_ACCESS_TOKEN", raising=False)
    with pytest.raises(MessengerError, match="FACEBOOK_PAGE_ACCESS_TOKEN"):
        MessengerConfig.from_env()
    monkeypatch.setenv("FACEBOOK_PAGE_ACCESS_TOKEN", TOKEN)
    monkeypatch.delenv("FACEBOOK_GRAPH_URL", raising=False)
    monkeypatch.delenv("FACEBOOK_GRAPH_VERSION", raising=False)
    assert MessengerConfig.from_env().messages_url == "https://graph.facebook.com/v19.0/me/messages"
    monkeypatch.setenv("FACEBOOK_GRAPH_URL", "http://127.0.0.1:8111/")
    monkeypatch.setenv("FACEBOOK_GRAPH_VERSION", "20.0")
    assert MessengerConfig.from_env().messages_url == "http://127.0.0.1:8111/v20.0/me/messages"


def test_buttons_go_out_as_quick_replies_of_the_last_part(graph: GraphApi) -> None:
    messenger, _ = client(graph)
    yes_no = [{"title": "Kyllä", "payload": "/affirm"}, {"title": "Ei", "payload": "/deny"}]
    messenger.send_text(
        PSID, "x " * 1500 + "Sopiiko?", last_user_message_at=NOW, now=NOW, buttons=yes_no
    )
    first, last = graph.take(2)
    assert "quick_replies" not in first.body["message"]
    assert last.body["message"]["text"].endswith("Sopiiko?")
    assert last.body["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Kyllä", "payload": "/affirm"},
        {"content_type": "text", "title": "Ei", "payload": "/deny"},
    ]


# quick replies ------------------------------------------------------------------------------


def test_short_buttons_become_quick_replies_as_they_are() -> None:
    yes_no = [
        {"title": "Kyllä kiitos", "payload": "/affirm"},
        {"title": "Ei tarvitse", "payload": "/deny"},
    ]
    assert quick_reply_message("Haluatko puhua ihmisen kanssa?", yes_no) == {
        "text": "Haluatko puhua ihmisen kanssa?",
        "quick_replies": [
            {"content_type": "text", "title": "Kyllä kiitos", "payload": "/affirm"},
            {"content_type": "text", "title": "Ei tarvitse", "payload": "/deny"},
        ],
    }


def test_a_single_long_title_is_shortened_at_a_word() -> None:
    message = quick_reply_message(
        "Voisitko sanoa sen toisin?",
        [{"title": "Haluan puhua ihmiselle", "payload": "/request_human"}],
    )
    assert message["text"] == "Voisitko sanoa sen toisin?"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "Haluan puhua…", "payload": "/request_human"}
    ]


def test_long_choices_are_listed_in_full_and_numbered() -> None:
    choices = [
        {"title": "Mitä toimitustapoja teillä on?", "payload": '/choose_faq{"faq_id":"a"}'},
        {"title": "Toimitatteko ulkomaille?", "payload": '/choose_faq{"faq_id":"b"}'},
        {"title": "Kuinka kauan toimitus kestää?", "payload": '/choose_faq{"faq_id":"c"}'},
        {"title": "Ei mikään näistä", "payload": '/choose_faq{"faq_id":"none"}'},
    ]
    message = quick_reply_message("Mitä näistä tarkoitit?", choices)
    assert message["text"] == (
        "Mitä näistä tarkoitit?\n\n"
        "1. Mitä toimitustapoja teillä on?\n"
        "2. Toimitatteko ulkomaille?\n"
        "3. Kuinka kauan toimitus kestää?\n"
        "4. Ei mikään näistä"
    )
    replies = message["quick_replies"]
    assert [r["title"] for r in replies] == [
        "1. Mitä toimitustap…",
        "2. Toimitatteko…",
        "3. Kuinka kauan…",
        "4. Ei mikään näistä",
    ]
    assert [r["payload"] for r in replies] == [c["payload"] for c in choices]
    assert all(len(r["title"]) <= 20 and r["content_type"] == "text" for r in replies)


def test_messenger_quick_reply_limits_are_kept() -> None:
    many = [{"title": f"Vaihtoehto {n}", "payload": f"/p{n}"} for n in range(20)]
    many.append({"title": "", "payload": "/untitled"})
    assert len(quick_reply_message("Valitse", many)["quick_replies"]) == 13
    assert quick_reply_message("Pelkkä teksti", []) == {"text": "Pelkkä teksti"}
    assert shorten("Supercalifragilisticexpialidocious") == "Supercalifragilisti…"
    assert shorten("  Talk   to a person ") == "Talk to a person"


# the desk -----------------------------------------------------------------------------------


@pytest.fixture
def desk(
    store: Store,
    fake_rasa: FakeRasa,
    clock: Clock,
    graph: GraphApi,
    monkeypatch: pytest.MonkeyPatch,
) -> HandoffDesk:
    monkeypatch.setenv("FACEBOOK_PAGE_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("FACEBOOK_GRAPH_URL", graph.url)
    monkeypatch.delenv("FACEBOOK_APP_SECRET", raising=False)
    monkeypatch.delenv("FACEBOOK_GRAPH_VERSION", raising=False)
    return make_desk(store, fake_rasa, clock, when_no_agent_online="queue")


def messenger_ticket(desk: HandoffDesk, wrote_at: datetime) -> int:
    """A queued Messenger ticket whose shopper last wrote at ``wrote_at``."""
    return desk.escalate(
        Escalation(
            conversation_id=PSID,
            channel="facebook",
            language="fi",
            reason="explicit_request",
            transcript=[
                ("shopper", "paljonko toimitus maksaa?", wrote_at - timedelta(minutes=2)),
                ("bot", "Toimitus maksaa 4,90 €.", wrote_at - timedelta(minutes=2)),
                ("shopper", "haluan puhua ihmiselle", wrote_at),
            ],
        )
    ).ticket_id


def test_messenger_handoff_goes_through_the_send_api(
    desk: HandoffDesk, fake_rasa: FakeRasa, graph: GraphApi, clock: Clock
) -> None:
    ticket_id = messenger_ticket(desk, clock.now - timedelta(minutes=5))

    desk.claim(ticket_id, "anna")
    desk.reply(ticket_id, "anna", "Hei, tässä Anna. Miten voin auttaa?")
    desk.close(ticket_id, "anna")

    joined, reply, back = graph.messages(3, timeout=5)
    for request in (joined, reply, back):
        assert request.path == "/v19.0/me/messages" and request.query["access_token"] == TOKEN
        assert request.body["recipient"] == {"id": PSID}
        assert request.body["messaging_type"] == "RESPONSE"
    assert joined.body["message"]["text"] == desk.text("utter_agent_joined", "fi", agent="anna")
    assert reply.body["message"] == {"text": "Hei, tässä Anna. Miten voin auttaa?"}
    assert back.body["message"]["text"] == desk.text("utter_handback", "fi")
    rating = desk.buttons("utter_handback", "fi")  # the satisfaction question's buttons
    assert rating and [r["payload"] for r in back.body["message"]["quick_replies"]] == [
        b["payload"] for b in rating
    ]
    # Rasa records everything without sending it again
    assert fake_rasa.side_effects == [False, False, False]
    events = fake_rasa.events_for(PSID)
    bot_texts = [e["text"] for e in events if e["event"] == "bot"]
    assert bot_texts == [
        joined.body["message"]["text"],
        "Hei, tässä Anna. Miten voin auttaa?",
        back.body["message"]["text"],
    ]
    agent_event = next(e for e in events if e.get("text") == bot_texts[1])
    assert agent_event["metadata"]["agent"] == "anna"
    assert {"event": "resume"} in events
    assert not desk.store.ticket(ticket_id).paused


def test_a_day_after_the_last_message_the_agent_writes_with_the_human_agent_tag(
    desk: HandoffDesk, graph: GraphApi, clock: Clock
) -> None:
    ticket_id = messenger_ticket(desk, clock.now - timedelta(hours=30))
    desk.claim(ticket_id, "anna")
    desk.reply(ticket_id, "anna", "Anteeksi viive!")
    _joined, reply = graph.messages(2, timeout=5)
    assert reply.body["messaging_type"] == "MESSAGE_TAG" and reply.body["tag"] == "HUMAN_AGENT"


def test_after_seven_days_messenger_cannot_be_reached(
    desk: HandoffDesk, fake_rasa: FakeRasa, graph: GraphApi, clock: Clock
) -> None:
    ticket_id = messenger_ticket(desk, clock.now - timedelta(days=8))
    desk.claim(ticket_id, "anna")  # the claim itself works; the agent is told why
    notes = [m.text for m in desk.store.messages(ticket_id) if m.sender == "note"]
    assert len(notes) == 1 and "7 days" in notes[0]
    with pytest.raises(InvalidTransition, match="7 days"):
        desk.reply(ticket_id, "anna", "Hei?")
    assert graph.drain() == []
    assert len(fake_rasa.appended) == 1  # only the claim


def test_refused_reply_is_not_recorded(
    desk: HandoffDesk, fake_rasa: FakeRasa, graph: GraphApi, clock: Clock
) -> None:
    ticket_id = messenger_ticket(desk, clock.now)
    desk.claim(ticket_id, "anna")
    graph.script(Reply(400, {"error": {"message": "(#10) outside the allowed window", "code": 10}}))
    with pytest.raises(MessengerError, match="outside the allowed window"):
        desk.reply(ticket_id, "anna", "Hei!")
    assert len(fake_rasa.appended) == 1
    assert [m.sender for m in desk.store.messages(ticket_id)][-1] == "system"  # the join


def test_web_chats_are_still_delivered_by_rasa(
    desk: HandoffDesk, fake_rasa: FakeRasa, graph: GraphApi
) -> None:
    ticket_id = desk.escalate(Escalation("web-1", "socketio", "fi", "explicit_request")).ticket_id
    desk.claim(ticket_id, "anna")
    desk.reply(ticket_id, "anna", "Hei!")
    assert fake_rasa.side_effects == [True, True]
    assert graph.drain() == []


def test_api_answers_502_when_messenger_refuses(
    desk: HandoffDesk, store: Store, graph: GraphApi, clock: Clock
) -> None:
    store.add_agent("anna", hash_password("a long password"))
    ticket_id = messenger_ticket(desk, clock.now)
    app = create_app(desk.settings, desk, background=False)
    with TestClient(app, base_url="https://testserver") as api:
        login = api.post("/api/login", json={"name": "anna", "password": "a long password"})
        api.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        assert api.post(f"/api/conversations/{ticket_id}/claim").status_code == 200
        graph.script(*[Reply(500, {})] * 3)
        answer = api.post(f"/api/conversations/{ticket_id}/reply", json={"text": "Hei!"})
    assert answer.status_code == 502
    assert "Send API answered 500" in answer.json()["detail"]
    assert TOKEN not in answer.text


def test_a_video_call_link_goes_to_messenger_as_text(
    desk: HandoffDesk, graph: GraphApi, clock: Clock
) -> None:
    video = {"url_template": "https://meet.jit.si/faqbot-{ticket}"}
    settings = desk.settings.model_copy(
        update={"video": desk.settings.model_validate({"video": video}).video}
    )
    with_video = HandoffDesk(settings, desk.store, desk.rasa, desk.clock, desk.messenger)
    ticket_id = messenger_ticket(with_video, clock.now - timedelta(minutes=5))
    with_video.claim(ticket_id, "anna")
    with_video.video_call(ticket_id, "anna")
    _joined, invitation = graph.messages(2, timeout=5)
    room = f"https://meet.jit.si/faqbot-{ticket_id}"
    assert invitation.body["message"]["text"] == f"{desk.text('utter_video_call', 'fi')}\n{room}"
