"""Help for agents through the API, on SQLite and PostgreSQL with a recording fake Rasa: FAQ
answers, saved replies (leads edit), the verified order, the video call link, languages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.shop.sqlite import SqliteShop
from handoff.agenthelp import FaqAnswers
from handoff.api.help import _Helpers
from handoff.config import HandoffSettings
from handoff.desk import Escalation, HandoffDesk
from handoff.errors import RasaUnavailable
from handoff.store import Store
from tests.handoff.api.conftest import client_for, escalate
from tests.handoff.conftest import ROOT, Clock, FakeRasa, office_hours

FAQ = """
entries:
  - id: delivery_cost
    questions: {fi: ["Paljonko toimitus maksaa?"], sv: ["Vad kostar frakten?"], en: ["Delivery?"]}
    answer:
      fi: "Toimitus maksaa 4,90 €."
      sv: "Frakten kostar 4,90 €."
      en: "Delivery costs €4.90."
  - id: gift_wrap
    questions: {en: ["Can you gift wrap it?"]}
    answer: {en: "Yes, gift wrapping is free."}
"""


@pytest.fixture
def helped(desk: HandoffDesk, tmp_path: Path) -> HandoffDesk:
    """The desk with a FAQ of its own and the demo shop (data/shop) for the API's helpers."""
    faq_dir = tmp_path / "faq"
    faq_dir.mkdir()
    (faq_dir / "test.yml").write_text(FAQ, encoding="utf-8")
    return desk


def client(desk: HandoffDesk, tmp_path: Path, agent: str = "anna") -> TestClient:
    made = client_for(desk, agent)
    helpers = _Helpers()
    helpers.faq = FaqAnswers(tmp_path / "faq")
    helpers._shop = SqliteShop(ROOT / "data" / "shop")
    made.app.state.agent_help = helpers  # type: ignore[attr-defined]
    return made


def claimed(desk: HandoffDesk, language: str = "fi", conversation: str = "c1") -> int:
    ticket = desk.escalate(Escalation(conversation, "socketio", language, "explicit_request"))
    desk.store.update_ticket(ticket.ticket_id, paused=True)
    desk.claim(ticket.ticket_id, "anna")
    return ticket.ticket_id


# FAQ answers -------------------------------------------------------------------------------------


def test_a_faq_guess_gives_its_answer_in_the_shoppers_language(
    helped: HandoffDesk, tmp_path: Path
) -> None:
    with client(helped, tmp_path) as anna:
        sv = anna.get("/api/faq/delivery_cost?language=sv").json()
        assert (sv["language"], sv["answer"]) == ("sv", "Frakten kostar 4,90 €.")
        # an entry without the shopper's language: the one it has, saying which it is
        only_en = anna.get("/api/faq/gift_wrap?language=fi").json()
        assert (only_en["language"], only_en["answer"]) == ("en", "Yes, gift wrapping is free.")
        assert anna.get("/api/faq/no_such_entry?language=fi").status_code == 404


def test_an_edited_faq_is_read_again(helped: HandoffDesk, tmp_path: Path) -> None:
    with client(helped, tmp_path) as anna:
        assert anna.get("/api/faq/delivery_cost?language=fi").json()["answer"].endswith("4,90 €.")
        path = tmp_path / "faq" / "test.yml"
        path.write_text(path.read_text().replace("4,90 €.", "5,90 €.", 1), encoding="utf-8")
        # a new mtime even on file systems with coarse timestamps
        stat = path.stat()
        import os

        os.utime(path, (stat.st_atime, stat.st_mtime + 5))
        assert anna.get("/api/faq/delivery_cost?language=fi").json()["answer"].endswith("5,90 €.")


# saved replies -----------------------------------------------------------------------------------


def test_leads_edit_saved_replies_and_every_agent_reads_them(
    helped: HandoffDesk, tmp_path: Path
) -> None:
    reply = {"language": "fi", "title": "Kiitos odotuksesta", "text": "Kiitos kärsivällisyydestä!"}
    with client(helped, tmp_path) as anna:
        refused = anna.post("/api/replies", json=reply)
        assert refused.status_code == 403 and "--role lead" in refused.json()["detail"]
        helped.store.set_agent_profile("anna", role="lead")
        created = anna.post("/api/replies", json=reply)
        assert created.status_code == 201
        saved = created.json()
        assert saved["updated_by"] == "anna"
        sv = {"language": "sv", "title": "Tack", "text": "Tack för att du väntade!"}
        assert anna.post("/api/replies", json=sv).status_code == 201
        changed = {**reply, "text": "Kiitos, että jaksoit odottaa!"}
        assert anna.put(f"/api/replies/{saved['id']}", json=changed).status_code == 200
        bad = anna.post("/api/replies", json={**reply, "language": "de"})
        assert bad.status_code == 422
        assert anna.put("/api/replies/999", json=reply).status_code == 404

    with client(helped, tmp_path, "bertil") as bertil:
        finnish = bertil.get("/api/replies?language=fi").json()
        assert [(r["title"], r["text"]) for r in finnish] == [
            ("Kiitos odotuksesta", "Kiitos, että jaksoit odottaa!")
        ]
        assert len(bertil.get("/api/replies").json()) == 2
        assert bertil.delete(f"/api/replies/{saved['id']}").status_code == 403
        assert bertil.put(f"/api/replies/{saved['id']}", json=reply).status_code == 403

    with client(helped, tmp_path) as anna:
        assert anna.delete(f"/api/replies/{saved['id']}").status_code == 204
        assert anna.delete(f"/api/replies/{saved['id']}").status_code == 404
        assert [r["language"] for r in anna.get("/api/replies").json()] == ["sv"]


def test_agent_profiles_live_in_the_store(store: Store) -> None:
    from handoff.errors import UnknownConversation

    store.add_agent("anna", "hash")
    assert store.agent_profile("anna").role == "agent"
    assert store.agent_profile("anna").languages == ()
    store.set_agent_profile("anna", languages=["fi", "sv"])
    store.set_agent_profile("anna", role="lead")  # the languages stay
    profile = store.agent_profile("anna")
    assert (profile.role, profile.languages) == ("lead", ("fi", "sv"))
    with pytest.raises(UnknownConversation):
        store.set_agent_profile("nobody", role="lead")
    store.remove_agent("anna")
    store.add_agent("anna", "hash")
    assert store.agent_profile("anna").role == "agent"


# languages ---------------------------------------------------------------------------------------


def test_the_console_says_when_the_agent_does_not_speak_the_shoppers_language(
    helped: HandoffDesk, tmp_path: Path, clock: Clock
) -> None:
    store = helped.store
    store.set_agent_profile("anna", languages=["en"])
    store.set_agent_profile("bertil", languages=["fi", "sv"])
    ticket_id = escalate(helped)  # Finnish
    with client(helped, tmp_path) as anna:
        assert anna.get("/api/me").json() == {"name": "anna", "role": "agent", "languages": ["en"]}
        help_ = anna.get(f"/api/conversations/{ticket_id}/help").json()
        assert "writes FI" in help_["language_note"]
        assert help_["speakers_online"] == []  # bertil is not online
        store.touch_agent("bertil", clock())
        help_ = anna.get(f"/api/conversations/{ticket_id}/help").json()
        assert help_["speakers_online"] == ["bertil"]
        assert help_["video_call"] is False
    with client(helped, tmp_path, "bertil") as bertil:
        assert bertil.get(f"/api/conversations/{ticket_id}/help").json()["language_note"] is None


def test_agent_add_sets_languages_and_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse
    import io

    from handoff import cli

    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("FAQBOT_DATABASE_URL", url)
    monkeypatch.setenv("FAQBOT_HANDOFF_CONFIG", str(tmp_path / "none.yml"))
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="group"))

    def run(*argv: str, stdin: str = "") -> int:
        args = parser.parse_args(argv)
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return int(args.handler(args, None))

    assert run("agent", "add", "anna", "--password-stdin", "--languages", "fi,sv",
               stdin="a long password\n") == 0  # fmt: skip
    assert Store(url).agent_profile("anna").languages == ("fi", "sv")
    assert run("agent", "add", "anna", "--keep-password", "--role", "lead") == 0
    profile = Store(url).agent_profile("anna")
    assert (profile.role, profile.languages) == ("lead", ("fi", "sv"))
    assert run("agent", "add", "nobody", "--keep-password", "--role", "lead") == 1
    with pytest.raises(SystemExit):
        parser.parse_args(["agent", "add", "anna", "--languages", "fi,de"])


# the verified order ------------------------------------------------------------------------------


def order_events(number: str, proof: str | None) -> list[dict[str, Any]]:
    return [
        {"event": "user", "text": "missä tilaukseni on?", "timestamp": 1.0},
        {"event": "slot", "name": "order_number", "value": number},
        {"event": "slot", "name": "order_proof", "value": proof},
        {"event": "slot", "name": "order_number", "value": None},  # the form resets after
        {"event": "slot", "name": "order_proof", "value": None},
    ]


def test_a_verified_order_is_shown_on_the_ticket(
    helped: HandoffDesk, tmp_path: Path, fake_rasa: FakeRasa
) -> None:
    verified = escalate(helped, "verified")
    fake_rasa.trackers["verified"] = order_events("100234", "se on aino.virtanen@example.com")
    refused = escalate(helped, "refused")  # a wrong proof is never stored: no order
    fake_rasa.trackers["refused"] = order_events("100234", None)
    with client(helped, tmp_path) as anna:
        order = anna.get(f"/api/conversations/{verified}/order").json()["order"]
        assert order["number"] == "100234"
        assert order["status"] == "shipped"
        assert order["carrier"] == "Posti"
        assert order["tracking_code"] == "JJFI64012300010023401"
        assert order["tracking_url"].endswith("JJFI64012300010023401")
        assert len(order["items"]) == 2 and all(order["items"])
        # Aino's other order (same email), waiting in the store; the verified one is not repeated
        assert order["other_orders"] == [
            {"number": "100250", "placed_on": order["other_orders"][0]["placed_on"],
             "status": "ready_for_pickup"}
        ]  # fmt: skip
        assert order["other_orders"][0]["placed_on"] < order["placed_on"]
        assert anna.get(f"/api/conversations/{refused}/order").json() == {
            "order": None,
            "error": None,
        }

        def no_rasa(_conversation: str) -> dict[str, Any]:
            raise RasaUnavailable("Rasa at fake does not answer")

        fake_rasa.tracker = no_rasa  # type: ignore[method-assign]
        down = anna.get(f"/api/conversations/{verified}/order").json()
        assert down["order"] is None and "does not answer" in down["error"]


# the video call link -----------------------------------------------------------------------------


def video_desk(
    store: Store, rasa: FakeRasa, clock: Clock, store_hours: dict[str, Any] | None
) -> HandoffDesk:
    video: dict[str, Any] = {"url_template": "https://meet.jit.si/faqbot-{ticket}"}
    if store_hours is not None:
        name = {"fi": "Kamppi", "sv": "Kampen", "en": "Kamppi"}
        video["store"] = {"name": name, "hours": store_hours}
    settings = HandoffSettings.model_validate(
        {
            "database_url": store.url,
            "domain_file": ROOT / "domain.yml",
            "opening_hours": office_hours(),
            "when_no_agent_online": "queue",
            "video": video,
        }
    )
    return HandoffDesk(settings, store, rasa, clock)  # type: ignore[arg-type]


def test_the_video_link_reaches_the_shopper_as_a_link_button(
    desk: HandoffDesk, tmp_path: Path, fake_rasa: FakeRasa, clock: Clock
) -> None:
    video = video_desk(desk.store, fake_rasa, clock, store_hours=None)
    ticket_id = claimed(video, "sv")
    with client(video, tmp_path) as anna:
        assert anna.get(f"/api/conversations/{ticket_id}/help").json()["video_call"] is True
        sent = anna.post(f"/api/conversations/{ticket_id}/video")
        assert sent.status_code == 200, sent.text
        assert sent.json()["sender"] == "agent"
        assert f"https://meet.jit.si/faqbot-{ticket_id}" in sent.json()["text"]
    event = fake_rasa.events_for("c1")[-1]
    assert event["text"] == video.text("utter_video_call", "sv")
    assert event["metadata"]["agent"] == "anna"
    assert event["data"]["custom"]["link"] == {
        "url": f"https://meet.jit.si/faqbot-{ticket_id}",
        "title": "Öppna videosamtalet",
    }


def test_in_the_stores_hours_the_invitation_names_the_store(
    desk: HandoffDesk, fake_rasa: FakeRasa, clock: Clock
) -> None:
    open_now = video_desk(desk.store, fake_rasa, clock, store_hours=office_hours())
    ticket_id = claimed(open_now, "fi")
    open_now.video_call(ticket_id, "anna")
    assert "(Kamppi)" in fake_rasa.events_for("c1")[-1]["text"]
    # after the store closed (the clock is Wednesday noon): the plain invitation
    clock.now += timedelta(hours=9)
    open_now.video_call(ticket_id, "anna")
    assert fake_rasa.events_for("c1")[-1]["text"] == open_now.text("utter_video_call", "fi")


def test_no_video_link_without_the_setting_or_for_another_agents_chat(
    desk: HandoffDesk, tmp_path: Path, fake_rasa: FakeRasa, clock: Clock
) -> None:
    ticket_id = claimed(desk)
    with client(desk, tmp_path) as anna:
        off = anna.post(f"/api/conversations/{ticket_id}/video")
        assert off.status_code == 409 and "video.url_template" in off.json()["detail"]
    video = video_desk(desk.store, fake_rasa, clock, store_hours=None)
    with client(video, tmp_path, "bertil") as bertil:
        other = bertil.post(f"/api/conversations/{ticket_id}/video")
        assert other.status_code == 409 and "anna" in other.json()["detail"]


@pytest.mark.parametrize(
    ("video", "problem"),
    [
        ({"url_template": "http://meet.example/{ticket}"}, "url_template"),
        ({"url_template": "https://meet.example/{room}"}, "url_template"),
        (
            {
                "url_template": "https://meet.example/{ticket}",
                "store": {"name": {"fi": "Kamppi"}, "hours": office_hours()},
            },
            "sv, en",
        ),
    ],
)
def test_a_wrong_video_setting_is_refused_clearly(video: dict[str, Any], problem: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=problem.replace(" ", r"\s")):
        HandoffSettings.model_validate({"video": video})
