"""Phrasings learned from the shoppers' button picks (``handoff.insights.picks``)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import faqbot
from bot.faq.loader import load_faq
from handoff.insights import picks
from handoff.insights.conversations import ConversationReader
from tests.conftest import ROOT
from tests.handoff.insights.test_figures import Chat

NOW = datetime.now(UTC)


def _choose(entry: str) -> tuple[str, str, list[dict[str, str]]]:
    payload = '/choose_faq{"faq_id":"' + entry + '"}'
    return payload, "choose_faq", [{"entity": "faq_id", "value": entry}]


def _picked(chat: Chat, question: str, lang: str, entry: str) -> Chat:
    chat.user(question, "ask_faq").slot("language", lang).slot("faq_candidates", [])
    chat.user(*_choose(entry)).slot("last_faq_id", entry).slot("awaiting_answer", "feedback")
    return chat


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    db = tmp_path / "tracker.db"
    at = NOW - timedelta(days=2)
    # picked twice, by two shoppers, with different case and punctuation
    a = _picked(
        Chat(db, "a", at), "när kommer paketet om jag beställer idag", "sv", "delivery_time"
    )
    a.save()
    b = _picked(
        Chat(db, "b", at + timedelta(hours=1)),
        "När kommer paketet om jag beställer idag?",
        "sv",
        "delivery_time",
    )
    b.save()
    # picked, then "not really": that entry did not answer it
    c = _picked(
        Chat(db, "c", at + timedelta(hours=2)), "voiko lahjakortin jakaa", "fi", "gift_card_use"
    )
    c.user("ei", "deny").save()
    # "none of these" is no pick
    d = Chat(db, "d", at + timedelta(hours=3)).user("hyr ni ut skidor", "ask_faq")
    d.slot("language", "sv").user(*_choose("none")).save()
    # already a question of the entry
    e = _picked(
        Chat(db, "e", at + timedelta(hours=4)), "How much does delivery cost", "en", "delivery_cost"
    )
    e.save()
    # two shoppers, two entries, one question each: no phrasing to teach
    _picked(Chat(db, "f", at + timedelta(hours=5)), "gift card pls", "en", "gift_card_buy").save()
    _picked(Chat(db, "g", at + timedelta(hours=6)), "gift card pls", "en", "gift_card_use").save()
    # an entry no longer in the FAQ
    _picked(Chat(db, "h", at + timedelta(hours=7)), "old thing?", "en", "gone_entry").save()
    # personal data: an order number, a phone number, an e-mail address
    for n, question in enumerate(
        [
            "order 100234 not here yet",
            "soittakaa 040 123 4567, missä paketti",
            "mail me at aino@example.fi when it ships",
        ]
    ):
        _picked(
            Chat(db, f"p{n}", at + timedelta(hours=10)), question, "en", "order_tracking"
        ).save()
    # a button without a question before it: nothing learned
    _picked(Chat(db, "k", at + timedelta(hours=9)), "", "en", "order_tracking").save()
    # one English pick to accept
    _picked(
        Chat(db, "i", at + timedelta(hours=8)), "my stuff still not here", "en", "order_tracking"
    ).save()
    # outside the period
    _picked(
        Chat(db, "j", NOW - timedelta(days=60)), "ancient question", "en", "order_tracking"
    ).save()
    return db


@pytest.fixture
def faq_dir(tracker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped FAQ, and ``faqbot`` set to read it and the tracker."""
    monkeypatch.setenv("FAQBOT_TRACKER_DB", str(tracker))
    directory = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", directory)
    monkeypatch.setenv("FAQBOT_FAQ_DIR", str(directory))
    return directory


def test_picked_questions_become_suggestions_once_each(tracker: Path) -> None:
    faq = load_faq(ROOT / "data" / "faq")
    reader = ConversationReader(f"sqlite:///{tracker}")
    found = picks.suggestions(reader.conversations(NOW - timedelta(days=30), NOW), faq)
    assert [(s.entry, s.language, s.text, s.times) for s in found] == [
        ("delivery_time", "sv", "när kommer paketet om jag beställer idag", 2),
        ("order_tracking", "en", "my stuff still not here", 1),
    ]
    assert picks.suggestions(reader.conversations(NOW - timedelta(days=30), NOW), faq, 2) == [
        found[0]
    ]


def test_faqbot_picks_prints_blocks_that_paste_into_the_faq(
    faq_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert faqbot.main(["picks", "--since", "30d"]) == 0
    printed = capsys.readouterr().out
    assert (
        "# delivery_time (" in printed and '"när kommer paketet om jag beställer idag"' in printed
    )
    # paste the order_tracking block under its entry, as an editor would
    block = printed.split("# order_tracking (", 1)[1].split("\n", 1)[1]
    path = next(p for p in faq_dir.glob("*.yml") if "id: order_tracking" in p.read_text("utf-8"))
    text = path.read_text(encoding="utf-8")
    indented = "".join(f"    {line}\n" for line in block.strip().splitlines())
    text = text.replace("  - id: order_tracking\n", "  - id: order_tracking\n" + indented, 1)
    path.write_text(text, encoding="utf-8")
    entry = load_faq(faq_dir).get("order_tracking")
    assert entry is not None and entry.shopper_questions == {"en": ("my stuff still not here",)}
    # accepted: it is not suggested again
    assert faqbot.main(["picks", "--since", "30d"]) == 0
    assert "order_tracking" not in capsys.readouterr().out


def test_faqbot_picks_rejects_a_bad_period(capsys: pytest.CaptureFixture[str]) -> None:
    assert faqbot.main(["picks", "--since", "soon"]) == 2
    assert "write e.g. 24h, 7d or 8w" in capsys.readouterr().err


def test_faqbot_picks_write_adds_them_to_the_faq_files(
    faq_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert faqbot.main(["picks", "--since", "30d", "--write"]) == 0
    printed = capsys.readouterr().out
    assert "added 2 shopper questions to 2 entries" in printed
    faq = load_faq(faq_dir)
    delivery_time, order_tracking = faq.get("delivery_time"), faq.get("order_tracking")
    assert delivery_time is not None and order_tracking is not None
    assert delivery_time.shopper_questions == {"sv": ("när kommer paketet om jag beställer idag",)}
    assert order_tracking.shopper_questions == {"en": ("my stuff still not here",)}
    # nothing left to accept: the files stay as they are
    before = {p.name: p.read_text("utf-8") for p in faq_dir.glob("*.yml")}
    assert faqbot.main(["picks", "--since", "30d", "--write"]) == 0
    assert "# no new questions picked" in capsys.readouterr().out
    assert {p.name: p.read_text("utf-8") for p in faq_dir.glob("*.yml")} == before
