"""The insights API for leads: the same figures as ``faqbot report``, roles, clusters done."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import faqbot
from bot.faq.loader import load_faq
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from handoff.app import create_app
from handoff.auth import hash_password
from handoff.desk import HandoffDesk
from handoff.insights import demo
from handoff.insights.conversations import ConversationReader
from handoff.insights.service import Insights
from handoff.store import Store
from handoff.tickets import ROLE_LEAD
from tests.conftest import ROOT
from tests.fakes import HashingEncoder
from tests.handoff.api.conftest import API_TOKEN, BASE_URL, PASSWORD
from tests.handoff.conftest import Clock, FakeRasa, make_desk
from tests.tracker_rows import add_events

END = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    demo.generate(load_faq(ROOT / "data" / "faq"), directory, weeks=2, seed=7, end=END)
    return directory


@pytest.fixture
def demo_desk(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> HandoffDesk:
    tracker, handoff = demo.demo_paths(demo_dir)
    monkeypatch.setenv("FAQBOT_TRACKER_DB", tracker.removeprefix("sqlite:///"))
    monkeypatch.setenv("FAQBOT_HANDOFF_API_TOKEN", API_TOKEN)
    store = Store(handoff)
    for name in ("lea", "aku"):
        store.add_agent(name, hash_password(PASSWORD))
    store.set_agent_profile("lea", role=ROLE_LEAD)
    return make_desk(store, FakeRasa(), Clock(END))


def login(desk: HandoffDesk, agent: str | None, insights: Insights | None = None) -> TestClient:
    app = create_app(desk.settings, desk, background=False)
    if insights is not None:
        app.state.insights = insights
    client = TestClient(app, base_url=BASE_URL)
    if agent:
        response = client.post("/api/login", json={"name": agent, "password": PASSWORD})
        assert response.status_code == 200
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


@pytest.fixture
def lea(demo_desk: HandoffDesk) -> Iterator[TestClient]:
    with login(demo_desk, "lea") as client:
        yield client


def test_the_page_and_faqbot_report_agree(
    lea: TestClient, demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    until = END.isoformat()
    page = lea.get("/api/insights", params={"since": "7d", "until": until})
    assert page.status_code == 200
    args = ["report", "--demo", str(demo_dir), "--since", "7d", "--until", until]
    assert faqbot.main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == page.json()
    assert page.json()["all"]["conversations"] > 200  # real figures, not an empty period

    assert faqbot.main([*args, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    (total,) = [r for r in rows if r["dimension"] == "all"]
    shown = page.json()["all"]
    for key in ("conversations", "messages", "tickets", "offline_tickets", "fallbacks"):
        assert int(total[key]) == shown[key], key
    assert float(total["self_service_rate"]) == shown["self_service_rate"]
    languages = {r["value"] for r in rows if r["dimension"] == "language"}
    assert languages >= {"fi", "sv", "en"}


def test_only_leads_see_the_insights(demo_desk: HandoffDesk) -> None:
    with login(demo_desk, "lea") as lea:
        assert lea.get("/api/insights").status_code == 200
        chart = lea.get("/api/insights/charts/volume-day.svg", params={"since": "8w"})
        assert chart.status_code == 200
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert "<title>Conversations per day</title>" in chart.text
        assert lea.get("/api/insights/charts/pie.svg").status_code == 404
        assert lea.get("/api/insights", params={"since": "soon"}).status_code == 422
        assert lea.get("/insights").status_code == 200
    with login(demo_desk, "aku") as aku:
        assert aku.get("/api/insights").status_code == 403
        assert aku.get("/api/insights/unanswered").status_code == 403
        assert aku.get("/api/insights/charts/volume-day.svg").status_code == 403
    with login(demo_desk, None) as anonymous:
        assert anonymous.get("/api/insights").status_code == 401
        anonymous.headers["Authorization"] = f"Bearer {API_TOKEN}"
        assert anonymous.get("/api/insights").status_code == 403  # integrations are no leads


def test_agent_add_gives_and_keeps_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("FAQBOT_DATABASE_URL", url)

    def add(*args: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert faqbot.main(["agent", "add", *args, "--password-stdin"]) == 0

    add("lea", "--role", "lead")
    add("aku")
    add("lea")  # a new password keeps the role
    assert faqbot.main(["agent", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "aku: agent, languages -",
        "lea: lead, languages -",
    ]
    store = Store(url)
    roles = [store.agent_profile(name).role for name in ("lea", "aku", "nobody")]
    assert roles == ["lead", "agent", "agent"]


def _chat(path: Path, sender: str, at: datetime, text: str, lang: str) -> None:
    t = at.timestamp()
    add_events(
        path,
        sender,
        [
            {"event": "session_started", "timestamp": t},
            {"event": "user", "text": text, "timestamp": t + 1,
             "parse_data": {"intent": {"name": "ask_faq"}}},
            {"event": "slot", "name": "language", "value": lang, "timestamp": t + 2},
            {"event": "slot", "name": "not_helped", "value": 1, "timestamp": t + 3},
        ],
    )  # fmt: skip


def test_a_cluster_marked_done_stays_done(
    tmp_path: Path, store: Store, faq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))
    tracker = tmp_path / "tracker.db"
    for i, text in enumerate(["do you rent skis", "can I rent skis", "do you rent skis?"]):
        _chat(tracker, f"s{i}", END - timedelta(hours=i + 1), text, "en")
    _chat(tracker, "w", END - timedelta(hours=5), "kan ni slå in paketet som present", "sv")
    service = FaqService(
        Settings(
            faq_dir=faq_dir, policy=PolicySettings(answer_threshold=0.9, clarify_threshold=0.8)
        ),
        encoder=HashingEncoder(),
    )
    service.warm_up()
    store.add_agent("lea", hash_password(PASSWORD))
    store.set_agent_profile("lea", role=ROLE_LEAD)
    desk = make_desk(store, FakeRasa(), Clock(END))
    insights = Insights(store, ConversationReader(f"sqlite:///{tracker}"), faq_service=service)
    monkeypatch.setattr("handoff.insights.unanswered.DISTANCE", 0.6)  # the fake encoder's scale
    until = {"since": "7d", "until": END.isoformat()}
    with login(desk, "lea", insights) as lea:
        clusters = lea.get("/api/insights/unanswered", params=until).json()["clusters"]
        assert [(c["count"], c["done"]) for c in clusters] == [(3, False), (1, False)]
        skis = clusters[0]
        # "do you rent skis?" is the same question as "do you rent skis"
        assert sorted(q.rstrip("?") for q in skis["questions"]) == [
            "can I rent skis",
            "do you rent skis",
        ]
        assert skis["suggestion"] == "new_entry"
        done = lea.post("/api/insights/unanswered/done", json={"cluster": skis["id"], **until})
        assert done.json() == {"cluster": skis["id"], "marked": 2}
        again = lea.get("/api/insights/unanswered", params=until).json()["clusters"]
        assert [(c["count"], c["done"]) for c in again] == [(1, False), (3, True)]
        wrong = lea.post("/api/insights/unanswered/done", json={"cluster": "nope", **until})
        assert wrong.status_code == 404
    assert len(store.done_keys()) == 2  # persisted: a restarted service knows it


def test_a_lead_gets_the_questions_shoppers_picked_from_the_buttons(
    demo_desk: HandoffDesk, tmp_path: Path
) -> None:
    period = {"since": "2w", "until": END.isoformat()}
    with login(demo_desk, "lea") as lea:
        found = lea.get("/api/insights/picks", params=period).json()
    with login(demo_desk, "aku") as aku:
        assert aku.get("/api/insights/picks").status_code == 403
    picked = {(p["entry"], p["language"], p["text"]) for p in found["picks"]}
    assert ("delivery_time", "fi", demo.PICKED["fi"]["delivery_time"]) in picked
    assert all(p["times"] >= 1 for p in found["picks"])
    assert {p["entry"] for p in found["picks"]} <= {e for d in demo.PICKED.values() for e in d}
    # the snippet's blocks paste under their entries as valid FAQ YAML
    faq = load_faq(ROOT / "data" / "faq")
    block = found["snippet"].split("# delivery_time (", 1)[1].split("\n", 1)[1]
    block = block.split("\n\n", 1)[0]
    entry = faq.get("delivery_time")
    assert entry is not None
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "a.yml").write_text(
        'entries:\n  - id: delivery_time\n    questions: {en: ["How long?"]}\n'
        '    answer: {en: "Two days."}\n' + "".join(f"    {line}\n" for line in block.splitlines()),
        encoding="utf-8",
    )
    pasted = load_faq(tmp_path / "faq").get("delivery_time")
    assert pasted is not None
    assert demo.PICKED["fi"]["delivery_time"] in pasted.shopper_questions["fi"]
