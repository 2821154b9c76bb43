"""End to end: Facebook Messenger, with a local server standing in for the Graph API.

The real Rasa server (with ``channels.messenger.MessengerInput``), action server and handoff
service run with test values in the ``FACEBOOK_*`` variables and ``FACEBOOK_GRAPH_URL``
pointing at :class:`tests.graph_api.GraphApi`. Webhooks are posted the way Meta posts them,
signed with ``X-Hub-Signature: sha1=<HMAC of the exact body with the app secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.faq.loader import Faq, load_faq
from scripts.stack import Stack, free_port
from tests.conftest import ROOT
from tests.graph_api import GraphApi, Received
from tests.integration.handoff_stack import AgentApi, start_handoff_stack

pytestmark = pytest.mark.integration

VERIFY_TOKEN = "verify-token-for-tests"
APP_SECRET = "app-secret-for-tests"
PAGE_TOKEN = "page-access-token-for-tests"
PAGE_ID = "104233221234567"


@pytest.fixture(scope="module")
def graph() -> Iterator[GraphApi]:
    running = GraphApi()
    yield running
    running.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, graph: GraphApi) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as env:  # the children inherit os.environ
        env.setenv("FACEBOOK_VERIFY_TOKEN", VERIFY_TOKEN)
        env.setenv("FACEBOOK_APP_SECRET", APP_SECRET)
        env.setenv("FACEBOOK_PAGE_ACCESS_TOKEN", PAGE_TOKEN)
        env.setenv("FACEBOOK_GRAPH_URL", graph.url)
        env.delenv("FACEBOOK_GRAPH_VERSION", raising=False)
        # longer than any turn takes here: a held request is given up only when released
        env.setenv("FACEBOOK_GRAPH_TIMEOUT", "120")
        running = start_handoff_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq(ROOT / "data" / "faq")


@pytest.fixture(autouse=True)
def nothing_left_over(graph: GraphApi) -> None:
    graph.drain()


# Meta's side ---------------------------------------------------------------------------------


def webhook_body(psid: str, text: str, quick_reply: str | None = None) -> bytes:
    """A ``messages`` webhook as Meta sends it, serialised once: these bytes are signed."""
    now = int(time.time() * 1000)
    message: dict[str, Any] = {"mid": f"m_{uuid.uuid4().hex}", "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": message,
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def postback_body(psid: str, title: str, payload: str) -> bytes:
    """A ``messaging_postbacks`` webhook (a tap on a button of the page's own, e.g. *Get
    started*), without a ``mid`` as older Graph API versions send it."""
    now = int(time.time() * 1000)
    event = {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": now,
        "postback": {"title": title, "payload": payload},
    }
    body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [event]}]}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def webhook_url(stack: Stack) -> str:
    return f"{stack.rasa_url}/webhooks/facebook/webhook"


def post(stack: Stack, body: bytes, sign: str | None = APP_SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if sign is not None:
        headers["X-Hub-Signature"] = signature(body, sign)
    return requests.post(webhook_url(stack), data=body, headers=headers, timeout=120)


def say(stack: Stack, graph: GraphApi, psid: str, text: str, **extra: str) -> list[Received]:
    """The shopper writes; returns the Send API messages the bot sent back."""
    answer = post(stack, webhook_body(psid, text, **extra))
    assert answer.status_code == 200, answer.text
    return sent_messages(graph, psid)


def sent_messages(graph: GraphApi, psid: str) -> list[Received]:
    """Send API messages received so far (sender actions left out), checked for form."""
    messages = [r for r in graph.drain() if "message" in r.body]
    for request in messages:
        assert request.path == "/v19.0/me/messages"
        assert request.query["access_token"] == PAGE_TOKEN
        assert request.body["recipient"] == {"id": psid}
        assert request.body["messaging_type"] in ("RESPONSE", "MESSAGE_TAG")
    return messages


def texts(messages: list[Received]) -> list[str]:
    return [str(m.body["message"].get("text", "")) for m in messages]


def new_psid() -> str:
    return str(uuid.uuid4().int)[:16]


def events_of(stack: Stack, psid: str, kind: str) -> list[dict[str, Any]]:
    """The conversation's tracker events of one kind (``user``, ``bot``, ...)."""
    events: list[dict[str, Any]] = list(stack.tracker(psid).get("events") or [])  # type: ignore[call-overload]
    return [e for e in events if e.get("event") == kind]


def wait_for_event(
    stack: Stack, psid: str, kind: str, text: str, timeout: float = 30.0
) -> dict[str, Any]:
    """The conversation's first ``kind`` event saying ``text``, once Rasa has recorded it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in events_of(stack, psid, kind) if e.get("text") == text]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {kind} event {text!r} within {timeout} s"
        time.sleep(0.2)


# tests ---------------------------------------------------------------------------------------


def test_webhook_verification_needs_the_verify_token(stack: Stack) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    right = requests.get(
        webhook_url(stack), params={**query, "hub.verify_token": VERIFY_TOKEN}, timeout=10
    )
    assert (right.status_code, right.text) == (200, "1158201444")
    wrong = requests.get(
        webhook_url(stack), params={**query, "hub.verify_token": "guess"}, timeout=10
    )
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_signed_question_is_answered_in_the_shoppers_language(
    stack: Stack, graph: GraphApi, faq: Faq
) -> None:
    psid = new_psid()
    answers = say(stack, graph, psid, "paljonko toimitus maksaa?")
    entry = faq.get("delivery_cost")
    assert entry is not None
    assert entry.answer["fi"] in texts(answers), texts(answers)
    assert all(m.body["messaging_type"] == "RESPONSE" for m in answers)
    assert stack.tracker(psid)["slots"]["language"] == "fi"  # type: ignore[index]


def test_missing_or_wrong_signatures_are_rejected(stack: Stack, graph: GraphApi, faq: Faq) -> None:
    psid = new_psid()
    body = webhook_body(psid, "paljonko toimitus maksaa?")
    tampered = body.replace(b"paljonko", b"kuinka paljon")
    for response in (
        post(stack, body, sign=None),
        post(stack, body, sign="not-the-app-secret"),
        requests.post(
            webhook_url(stack),
            data=tampered,
            headers={"Content-Type": "application/json", "X-Hub-Signature": signature(body)},
            timeout=30,
        ),
    ):
        assert response.status_code == 403, response.text
    # the webhook answers after handling a message: a signed one now gets its reply, and
    # nothing of the rejected ones was recorded or answered before it
    replies = texts(say(stack, graph, psid, "how long does delivery take?"))
    cost, time_taken = faq.get("delivery_cost"), faq.get("delivery_time")
    assert cost is not None and time_taken is not None
    assert time_taken.answer["en"] in replies and cost.answer["fi"] not in replies, replies
    assert [e["text"] for e in events_of(stack, psid, "user")] == ["how long does delivery take?"]


def test_buttons_are_quick_replies_and_a_tap_is_answered(
    stack: Stack, graph: GraphApi, faq: Faq
) -> None:
    psid = new_psid()
    (choices,) = [
        m for m in say(stack, graph, psid, "toimitus") if "quick_replies" in m.body["message"]
    ]
    replies = choices.body["message"]["quick_replies"]
    assert len(replies) > 3  # more than Messenger's button template could show
    assert all(r["content_type"] == "text" and 0 < len(r["title"]) <= 20 for r in replies)
    picked = next(
        r for r in replies if "choose_faq" in r["payload"] and '"none"' not in r["payload"]
    )
    entry = faq.get(json.loads(picked["payload"].split("choose_faq", 1)[1])["faq_id"])
    assert entry is not None
    assert entry.first_question("fi") in choices.body["message"]["text"]  # full choices listed

    answers = say(stack, graph, psid, picked["title"], quick_reply=picked["payload"])
    assert entry.answer["fi"] in texts(answers), texts(answers)
    assert events_of(stack, psid, "user")[-1]["text"] == picked["payload"]


def test_handoff_over_messenger(stack: Stack, graph: GraphApi, faq: Faq) -> None:
    psid = new_psid()
    queued = texts(say(stack, graph, psid, "haluan puhua ihmiselle"))
    assert any("jonossa" in text for text in queued), queued
    agent = AgentApi(stack)
    ticket = agent.ticket_of(psid)
    assert ticket["channel"] == "facebook" and ticket["status"] == "queued"

    # while waiting the bot stays quiet
    assert say(stack, graph, psid, "tilausnumero on 12345") == []

    assert agent.post(ticket["id"], "claim").status_code == 200
    (joined,) = sent_messages(graph, psid)
    assert "anna" in joined.body["message"]["text"]
    assert joined.body["messaging_type"] == "RESPONSE"

    assert agent.post(ticket["id"], "reply", text="Hei! Katson tilauksesi heti.").ok
    (reply,) = sent_messages(graph, psid)
    assert reply.body == {
        "recipient": {"id": psid},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hei! Katson tilauksesi heti."},
    }
    assert (
        reply.query["appsecret_proof"]
        == hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    )
    recorded = wait_for_event(stack, psid, "bot", "Hei! Katson tilauksesi heti.")
    assert sent_messages(graph, psid) == []  # Rasa recorded it without sending it again
    assert recorded["metadata"]["agent"] == "anna"

    assert agent.post(ticket["id"], "close").ok
    (back,) = sent_messages(graph, psid)
    assert back.body["messaging_type"] == "RESPONSE" and back.body["message"]["text"]
    assert back.body["message"]["quick_replies"]  # the satisfaction question's buttons
    assert stack.tracker(psid)["slots"]["handoff"] is None  # type: ignore[index]

    # the bot is back in charge
    entry = faq.get("delivery_cost")
    assert entry is not None
    assert entry.answer["fi"] in texts(say(stack, graph, psid, "paljonko toimitus maksaa?"))


def test_a_held_send_api_request_does_not_hold_up_other_shoppers(
    stack: Stack, graph: GraphApi, faq: Faq
) -> None:
    """The Graph API keeps the bot's answer to a Messenger shopper unanswered; meanwhile a web
    chat shopper still gets an answer, while Rasa is still waiting for the Graph API."""
    psid = new_psid()
    hold = graph.hold(lambda body: body.get("recipient") == {"id": psid} and "message" in body)
    entry, other_entry = faq.get("delivery_cost"), faq.get("delivery_time")
    assert entry is not None and other_entry is not None
    with ThreadPoolExecutor(1) as pool:
        webhook = pool.submit(post, stack, webhook_body(psid, "paljonko toimitus maksaa?"))
        try:
            held = hold.wait(timeout=120)
            assert held.body["message"]["text"] == entry.answer["fi"]
            replies = stack.send(f"web-{uuid.uuid4().hex}", "how long does delivery take?", 120)
            assert other_entry.answer["en"] in [r.get("text") for r in replies], replies
            # the positive signal: that answer came while Rasa still waited for the Graph API
            # (a blocking call would have given up, closing the connection, before it came)
            assert hold.client_waiting(), "Rasa gave up on the Send API before answering"
        finally:
            hold.release()
        assert webhook.result(timeout=120).status_code == 200
    assert entry.answer["fi"] in texts(sent_messages(graph, psid))


def test_a_webhook_delivered_again_is_handled_once(stack: Stack, graph: GraphApi, faq: Faq) -> None:
    """Meta delivers a webhook again when it got no 200 in time: one turn, one answer."""
    psid = new_psid()
    body = webhook_body(psid, "paljonko toimitus maksaa?")
    for _ in range(2):  # the webhook answers once the message is handled (or skipped)
        answer = post(stack, body)
        assert answer.status_code == 200, answer.text
    entry, other_entry = faq.get("delivery_cost"), faq.get("delivery_time")
    assert entry is not None and other_entry is not None
    # the next message is answered: everything before it is done
    later = texts(say(stack, graph, psid, "how long does delivery take?"))
    assert later.count(entry.answer["fi"]) == 1, later
    assert other_entry.answer["en"] in later, later
    users = events_of(stack, psid, "user")
    assert [e["text"] for e in users] == [
        "paljonko toimitus maksaa?",
        "how long does delivery take?",
    ]
    mid = json.loads(body)["entry"][0]["messaging"][0]["message"]["mid"]
    assert users[0]["message_id"] == mid

    # a postback without a mid: told apart by sender, kind and Meta's timestamp
    tap = postback_body(psid, "Palautukset", "miten palautan tuotteen?")
    for _ in range(2):
        assert post(stack, tap).status_code == 200
    assert [e["text"] for e in events_of(stack, psid, "user")][2:] == ["miten palautan tuotteen?"]


def test_a_webhook_delivered_again_while_the_first_is_handled_is_skipped(
    stack: Stack, graph: GraphApi, faq: Faq
) -> None:
    """Meta's retry comes while the first delivery still waits for the Send API."""
    psid = new_psid()
    hold = graph.hold(lambda body: body.get("recipient") == {"id": psid} and "message" in body)
    body = webhook_body(psid, "paljonko toimitus maksaa?")
    entry = faq.get("delivery_cost")
    assert entry is not None
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(post, stack, body)
        try:
            hold.wait(timeout=120)
            again = post(stack, body)  # handled again, it would wait for the first turn
            assert again.status_code == 200, again.text
            assert hold.client_waiting()  # answered while the first delivery still waits
        finally:
            hold.release()
        assert first.result(timeout=120).status_code == 200
    assert texts(sent_messages(graph, psid)).count(entry.answer["fi"]) == 1
    assert [e["text"] for e in events_of(stack, psid, "user")] == ["paljonko toimitus maksaa?"]


def test_without_settings_the_webhook_says_what_to_set(tmp_path: Path) -> None:
    """A shop without Messenger: the channel loads, and the webhook answers 503."""
    port = free_port()
    server = (
        "import sys; sys.path.insert(0, '.')\n"
        "from sanic import Sanic\n"
        "from rasa.core.channels.channel import register\n"
        "from channels.messenger import MessengerInput\n"
        "app = Sanic('messenger_only')\n"
        "register([MessengerInput.from_credentials(None)], app, route='/webhooks/')\n"
        f"app.run(host='127.0.0.1', port={port}, access_log=False)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACEBOOK_")}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", server],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/webhooks/facebook/webhook"
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.post(url, data=b"{}", timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the channel did not start"
                time.sleep(0.3)
        assert answer.status_code == 503
        assert "Messenger is not configured: set FACEBOOK_VERIFY_TOKEN" in answer.text
        assert requests.get(url, timeout=5).status_code == 503
    finally:
        process.terminate()
        process.wait(timeout=15)
