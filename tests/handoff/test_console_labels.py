"""The console names every escalation reason the bot produces, and no other."""

from __future__ import annotations

import re

from bot.conversation import ESCALATION_REASONS
from tests.conftest import ROOT


def test_console_labels_every_escalation_reason() -> None:
    script = (ROOT / "handoff" / "console" / "console.js").read_text(encoding="utf-8")
    block = re.search(r"const REASONS = \{(.*?)\};", script, re.DOTALL)
    assert block, "console.js has no REASONS table"
    labelled = re.findall(r"^\s*(\w+):", block.group(1), re.MULTILINE)
    assert sorted(labelled) == sorted(ESCALATION_REASONS)
