from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from handoff.backends import ChatwootConfig, build_backend
from handoff.backends import chatwoot as chatwoot_module
from handoff.backends.base import InboundEvent
from handoff.backends.chatwoot import ChatwootBackend, format_note, parse_webhook
from handoff.errors import BackendError, HandoffConfigError

TOKEN = "cw-token-for-tests"
ACCOUNT = 3
INBOX = 7
Json = dict[str, Any]


# -- a fake Chatwoot: the application API endpoints the backend uses, in memory -------------


@dataclass
class FakeChatwoot:
    url: str = ""
    contacts: dict[int, Json] = field(default_factory=dict)
    conversations: dict[int, Json] = field(default_factory=dict)  # by display id
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_with: int | None = None  # answer every request with this status

    def add_contact(self, identifier: str, inbox_ids: tuple[int, ...] = ()) -> Json:
        contact_id = len(self.contacts) + 1
        contact: Json = {
            "id": contact_id,
            "name": f"Someone {identifier}",
            "identifier": identifier,
            "email": None,
            "contact_inboxes": [],
        }
        self.contacts[contact_id] = contact
        for inbox_id in inbox_ids:
            self.link(contact, inbox_id)
        return contact

    def link(self, contact: Json, inbox_id: int) -> Json:
        link = {
            "source_id": str(uuid.uuid4()),
            "inbox": {"id": inbox_id, "name": f"Inbox {inbox_id}", "channel_type": "Channel::Api"},
        }
        contact["contact_inboxes"].append(link)
        return link

    def messages(self, conversation: int) -> list[Json]:
        return list(self.conversations[conversation]["messages"])

    def handle(self, method: str, path: str, query: Json, body: Json) -> tuple[int, Any]:
        prefix = f"/api/v1/accounts/{ACCOUNT}"
        if not path.startswith(prefix):
            return 404, {"error": "not found"}
        route = path[len(prefix) :]
        if method == "GET" and route == "/contacts/search":
            q = query.get("q", [""])[0]
            found = [c for c in self.contacts.values() if q in c["identifier"] or q in c["name"]]
            return 200, {"meta": {"count": len(found)}, "payload": copy.deepcopy(found)}
        if method == "POST" and route == "/contacts":
            if any(c["identifier"] == body["identifier"] for c in self.contacts.values()):
                return 422, {"message": "Identifier has already been taken"}
            contact = self.add_contact(body["identifier"])
            contact["name"] = body["name"]
            link = self.link(contact, body["inbox_id"]) if body.get("inbox_id") else None
            contact_inbox = {
                "inbox": link["inbox"] if link else None,
                "source_id": link["source_id"] if link else None,
            }
            return 200, {
                "payload": {"contact": copy.deepcopy(contact), "contact_inbox": contact_inbox}
            }
        if match := re.fullmatch(r"/contacts/(\d+)/contact_inboxes", route):
            owner = self.contacts.get(int(match[1]))
            if method != "POST" or owner is None:
                return 404, {"error": "not found"}
            return 200, self.link(owner, body["inbox_id"])
        if match := re.fullmatch(r"/contacts/(\d+)/conversations", route):
            contact_id = int(match[1])
            mine = [
                self.public(c) for c in self.conversations.values() if c["contact_id"] == contact_id
            ]
            return 200, {"payload": mine}
        if method == "POST" and route == "/conversations":
            chosen = self.contacts.get(int(body.get("contact_id") or 0))
            links = chosen["contact_inboxes"] if chosen else []
            if not any(
                link["source_id"] == body["source_id"] and link["inbox"]["id"] == body["inbox_id"]
                for link in links
            ):
                return 422, {"message": "Contact inbox not found"}
            display_id = len(self.conversations) + 1
            self.conversations[display_id] = {
                "id": display_id,
                "inbox_id": body["inbox_id"],
                "contact_id": body["contact_id"],
                "status": body.get("status", "open"),
                "custom_attributes": body.get("custom_attributes", {}),
                "messages": [],
            }
            return 200, self.public(self.conversations[display_id])
        if match := re.fullmatch(r"/conversations/(\d+)/(toggle_status|messages)", route):
            conversation = self.conversations.get(int(match[1]))
            if method != "POST" or conversation is None:
                return 404, {"error": "Resource could not be found"}
            if match[2] == "toggle_status":
                conversation["status"] = body["status"]
                return 200, {
                    "meta": {},
                    "payload": {
                        "success": True,
                        "conversation_id": conversation["id"],
                        "current_status": body["status"],
                    },
                }
            message = {
                "id": sum(len(c["messages"]) for c in self.conversations.values()) + 1,
                "content": body["content"],
                "message_type": body["message_type"],
                "private": body.get("private", False),
                "conversation_id": conversation["id"],
            }
            conversation["messages"].append(message)
            return 200, message
        return 404, {"error": "not found"}

    @staticmethod
    def public(conversation: Json) -> Json:
        shown = {k: v for k, v in conversation.items() if k not in ("messages", "contact_id")}
        shown["meta"] = {"sender": {"id": conversation["contact_id"]}}
        return copy.deepcopy(shown)


@pytest.fixture
def fake() -> Iterator[FakeChatwoot]:
    state = FakeChatwoot()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                state.calls.append((self.command, parts.path))
                if self.headers.get("api_access_token") != TOKEN:
                    status, answer = 401, {"error": "Invalid Access Token"}
                elif state.fail_with:
                    status, answer = state.fail_with, {"error": "boom"}
                else:
                    status, answer = state.handle(
                        self.command, parts.path, parse_qs(parts.query), body
                    )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWOOT_API_TOKEN", TOKEN)


def backend_for(fake: FakeChatwoot) -> ChatwootBackend:
    config = ChatwootConfig.model_validate(
        {"type": "chatwoot", "base_url": fake.url, "account_id": ACCOUNT, "inbox_id": INBOX}
    )
    backend = build_backend("helpdesk", config)
    assert isinstance(backend, ChatwootBackend)
    return backend


def ticket(**changes: Any) -> Json:
    base = {
        "id": 12,
        "conversation_id": "abc123def456",
        "channel": "socketio",
        "language": "fi",
        "status": "overflow",
        "reason": "explicit_request",
        "created_at": "2026-11-23T21:40:00+00:00",
        "email": None,
        "question": None,
        "external_id": None,
        "faq_candidates": [
            {"id": "return_period", "score": 0.87},
            {"id": "delivery_time", "score": 0.61},
        ],
        "transcript": [
            {"sender": "shopper", "text": "Missä pakettini on?", "at": "2026-11-23T21:39:00+00:00"},
            {
                "sender": "bot",
                "text": "Haluatko puhua ihmisen kanssa?",
                "at": "2026-11-23T21:39:01+00:00",
            },
            {"sender": "shopper", "text": "Kyllä kiitos", "at": "2026-11-23T21:39:30+00:00"},
        ],
    }
    return {**base, **changes}


def requested(**changes: Any) -> Json:
    return {"event": "handoff.requested", "ticket": ticket(**changes)}


# -- delivering ----------------------------------------------------------------------------


def test_first_escalation_creates_contact_conversation_and_note(fake: FakeChatwoot) -> None:
    result = backend_for(fake).deliver("handoff.requested", requested(), delivery_id="d1")

    assert result.external_id == "1"
    [contact] = fake.contacts.values()
    assert contact["identifier"] == "abc123def456"
    assert contact["name"] == "Shopper abc123de"
    conversation = fake.conversations[1]
    assert conversation["status"] == "open"
    assert conversation["inbox_id"] == INBOX
    assert conversation["custom_attributes"]["faqbot_conversation_id"] == "abc123def456"
    assert conversation["custom_attributes"]["language"] == "fi"
    [note] = fake.messages(1)
    assert note["private"] is True and note["message_type"] == "outgoing"
    content = note["content"]
    header = content.splitlines()[0]
    assert "language: fi" in header and "reason: explicit request" in header
    assert (
        "Shopper: Missä pakettini on?\nBot: Haluatko puhua ihmisen kanssa?\nShopper: Kyllä kiitos"
    ) in content
    assert "- return_period (0.87)" in content and "- delivery_time (0.61)" in content
    assert content.index("Shopper:") < content.index("return_period")


def test_second_escalation_reopens_the_same_conversation(fake: FakeChatwoot) -> None:
    backend = backend_for(fake)
    first = backend.deliver("handoff.requested", requested(), delivery_id="d1")
    backend.deliver(
        "handoff.closed",
        {"event": "handoff.closed", "ticket": ticket(external_id=first.external_id)},
        delivery_id="d2",
    )
    assert fake.conversations[1]["status"] == "resolved"

    again = backend.deliver("handoff.requested", requested(external_id="1"), delivery_id="d3")

    assert again.external_id == "1"
    assert len(fake.contacts) == 1 and len(fake.conversations) == 1
    assert fake.conversations[1]["status"] == "open"
    assert [m["private"] for m in fake.messages(1)] == [True, True]


def test_retry_without_external_id_reuses_the_tickets_conversation(fake: FakeChatwoot) -> None:
    backend = backend_for(fake)
    backend.deliver("handoff.requested", requested(), delivery_id="d1")
    # the outbox never learned the id (e.g. the answer was lost) and delivers again
    retry = backend.deliver("handoff.requested", requested(), delivery_id="d1")
    assert retry.external_id == "1"
    assert len(fake.conversations) == 1

    # a new ticket for the same shopper: same contact, new conversation
    other = backend.deliver("handoff.requested", requested(id=13), delivery_id="d2")
    assert other.external_id == "2"
    assert len(fake.contacts) == 1
    assert fake.conversations[2]["contact_id"] == fake.conversations[1]["contact_id"]


def test_deleted_conversation_is_replaced(fake: FakeChatwoot) -> None:
    result = backend_for(fake).deliver(
        "handoff.requested", requested(external_id="99"), delivery_id="d1"
    )
    assert result.external_id == "1"
    assert len(fake.messages(1)) == 1


def test_existing_contact_is_linked_to_the_inbox(fake: FakeChatwoot) -> None:
    fake.add_contact("abc123def456-other", inbox_ids=(INBOX,))  # search matches it; not ours
    contact = fake.add_contact("abc123def456", inbox_ids=(99,))  # ours, another inbox only

    result = backend_for(fake).deliver("handoff.requested", requested(), delivery_id="d1")

    assert result.external_id == "1"
    assert len(fake.contacts) == 2
    assert fake.conversations[1]["contact_id"] == contact["id"]
    assert [link["inbox"]["id"] for link in contact["contact_inboxes"]] == [99, INBOX]
    assert ("POST", f"/api/v1/accounts/{ACCOUNT}/contacts/{contact['id']}/contact_inboxes") in (
        fake.calls
    )


def test_shopper_message_is_posted_as_incoming(fake: FakeChatwoot) -> None:
    backend = backend_for(fake)
    backend.deliver("handoff.requested", requested(), delivery_id="d1")
    payload = {
        "event": "handoff.message",
        "ticket": ticket(external_id="1"),
        "message": {
            "sender": "shopper",
            "text": "Onko ketään paikalla?",
            "at": "2026-11-23T21:45:00+00:00",
        },
    }

    result = backend.deliver("handoff.message", payload, delivery_id="d2")

    assert result.external_id == "1"
    last = fake.messages(1)[-1]
    assert last["content"] == "Onko ketään paikalla?"
    assert last["message_type"] == "incoming" and last["private"] is False


@pytest.mark.parametrize("event", ["handoff.message", "handoff.closed"])
def test_events_need_an_external_id(fake: FakeChatwoot, event: str) -> None:
    payload = {
        "event": event,
        "ticket": ticket(),
        "message": {"sender": "shopper", "text": "hei", "at": "x"},
    }
    with pytest.raises(BackendError, match="external_id") as caught:
        backend_for(fake).deliver(event, payload, delivery_id="d1")
    assert not caught.value.retryable
    assert fake.calls == []


def test_closed_resolves(fake: FakeChatwoot) -> None:
    backend = backend_for(fake)
    backend.deliver("handoff.requested", requested(), delivery_id="d1")
    backend.deliver(
        "handoff.closed",
        {"event": "handoff.closed", "ticket": ticket(external_id="1")},
        delivery_id="d2",
    )
    assert fake.conversations[1]["status"] == "resolved"


def test_wrong_token_is_not_retryable(fake: FakeChatwoot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWOOT_API_TOKEN", "wrong")
    with pytest.raises(BackendError, match="401") as caught:
        backend_for(fake).deliver("handoff.requested", requested(), delivery_id="d1")
    assert not caught.value.retryable
    assert TOKEN not in str(caught.value) and "wrong" not in str(caught.value)


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (429, True), (422, False)])
def test_server_errors(fake: FakeChatwoot, status: int, retryable: bool) -> None:
    fake.fail_with = status
    with pytest.raises(BackendError) as caught:
        backend_for(fake).deliver("handoff.requested", requested(), delivery_id="d1")
    assert caught.value.retryable is retryable


def test_unknown_event_is_not_retryable(fake: FakeChatwoot) -> None:
    with pytest.raises(BackendError) as caught:
        backend_for(fake).deliver("handoff.assigned", requested(), delivery_id="d1")
    assert not caught.value.retryable


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATWOOT_API_TOKEN")
    config = ChatwootConfig.model_validate(
        {"type": "chatwoot", "base_url": "https://chat.example", "account_id": 1, "inbox_id": 2}
    )
    with pytest.raises(HandoffConfigError, match="CHATWOOT_API_TOKEN"):
        build_backend("helpdesk", config)


# -- the note ------------------------------------------------------------------------------


def test_note_shows_email_question_and_drops_old_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chatwoot_module, "TRANSCRIPT_LIMIT", 60)
    lines = [{"sender": "shopper", "text": f"message number {n}", "at": "x"} for n in range(10)]
    note = format_note(
        ticket(email="a@b.fi", question="Where is it?", transcript=lines, faq_candidates=[])
    )
    assert "Email: a@b.fi" in note and "Question: Where is it?" in note
    assert "Shopper: message number 9" in note and "message number 0" not in note
    assert "earlier messages left out" in note
    assert "FAQ candidates: none" in note


# -- inbound webhooks (shapes after Chatwoot's "Webhook events" documentation) --------------


def message_created(**changes: Any) -> Json:
    body: Json = {
        "event": "message_created",
        "id": 118,
        "content": "Hei! Paketti lähti tänään.",
        "created_at": "2026-11-23T21:50:48.000Z",
        "message_type": "outgoing",
        "content_type": "text",
        "private": False,
        "content_attributes": {},
        "source_id": None,
        "sender": {"id": 1, "name": "Maija Agent", "email": "maija@shop.example", "type": "user"},
        "contact": {"id": 14, "name": "Shopper abc123de"},
        "inbox": {"id": INBOX, "name": "faqbot"},
        "conversation": {
            "additional_attributes": {},
            "can_reply": True,
            "channel": "Channel::Api",
            "id": 1,
            "inbox_id": INBOX,
            "contact_inbox": {
                "id": 12,
                "contact_id": 14,
                "inbox_id": INBOX,
                "source_id": "405f1d30-1af3-4fa0-8ffd-11ea3f86101e",
            },
            "meta": {
                "sender": {"id": 14, "type": "contact"},
                "assignee": {"id": 1, "name": "Maija Agent", "type": "user"},
            },
            "status": "open",
            "custom_attributes": {"faqbot_conversation_id": "abc123def456"},
            "unread_count": 0,
            "timestamp": 1795470648,
        },
        "account": {"id": ACCOUNT, "name": "Shop"},
    }
    body.update(changes)
    return body


def status_changed(status: str) -> Json:
    return {
        "event": "conversation_status_changed",
        "additional_attributes": {},
        "can_reply": True,
        "channel": "Channel::Api",
        "id": 1,
        "inbox_id": INBOX,
        "messages": [],
        "meta": {"sender": {"id": 14, "type": "contact"}, "assignee": None},
        "status": status,
        "unread_count": 0,
        "timestamp": 1795470648,
    }


def test_agent_message() -> None:
    assert parse_webhook(message_created()) == InboundEvent(
        kind="agent_message",
        external_id="1",
        text="Hei! Paketti lähti tänään.",
        agent_name="Maija Agent",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"private": True},  # an agent's private note
        {
            "message_type": "incoming",
            "sender": {"id": 14, "name": "Shopper abc123de", "type": "contact"},
        },
        {"message_type": "activity", "content": "Conversation was resolved by Maija"},
        {"sender": {"id": 2, "name": "Some bot", "type": "agent_bot"}},
        {"content": None},  # attachment only
    ],
)
def test_other_messages_are_ignored(changes: Json) -> None:
    assert parse_webhook(message_created(**changes)) is None


def test_message_without_private_flag_is_ignored() -> None:
    body = message_created()
    del body["private"]
    assert parse_webhook(body) is None


def test_resolved_and_other_status_changes() -> None:
    assert parse_webhook(status_changed("resolved")) == InboundEvent(
        kind="resolved", external_id="1"
    )
    assert parse_webhook(status_changed("open")) is None
    assert parse_webhook({**status_changed("resolved"), "event": "conversation_updated"}) is None
    assert parse_webhook({"event": "webwidget_triggered"}) is None


def test_events_of_other_inboxes_are_ignored() -> None:
    other = message_created(inbox={"id": INBOX + 1, "name": "email"})
    assert parse_webhook(other, inbox_id=INBOX) is None
    resolved_elsewhere = {**status_changed("resolved"), "inbox_id": INBOX + 1}
    assert parse_webhook(resolved_elsewhere, inbox_id=INBOX) is None
    assert parse_webhook(message_created(), inbox_id=INBOX) is not None
