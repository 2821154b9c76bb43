"""An escalation with the ticket database really unreachable still helps the shopper."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions import runtime
from actions.handoff import ActionEscalate
from actions.texts import variation
from scripts.stack import free_port
from tests.actions.conftest import DOMAIN, run, slot_events, tracker
from tests.conftest import ROOT


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_unreachable_database_gives_the_contacts_instead(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "handoff.yml"
    settings = {"domain_file": str(ROOT / "domain.yml"), "when_no_agent_online": "queue"}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    monkeypatch.setenv("FAQBOT_HANDOFF_CONFIG", str(config))
    monkeypatch.setenv("FAQBOT_DATABASE_URL", f"postgresql://u:p@127.0.0.1:{free_port()}/x")
    monkeypatch.setattr(runtime, "_desk", None)
    monkeypatch.setattr(runtime, "_desk_settings", None)
    messages, events = run(ActionEscalate(), tracker("ihminen", "request_human", language=lang))
    assert [m["text"] for m in messages] == [
        variation(DOMAIN, "utter_handoff_unavailable", lang)["text"]
    ]
    assert "handoff" not in slot_events(events)
    assert runtime._desk is None  # the next escalation tries the database again
