"""Shared fixtures."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

# Tests never download models; fail fast instead of retrying an unreachable hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent

SMALL_FAQ = """\
topic: demo
entries:
  - id: delivery_time
    questions:
      en: ["How long does delivery take?", "When will my parcel arrive?"]
      fi: ["Kauanko toimitus kestää?"]
      sv: ["Hur lång är leveranstiden?"]
    answer:
      en: "Delivery takes 1-3 working days."
      fi: "Toimitus kestää 1-3 arkipäivää."
      sv: "Leveransen tar 1-3 vardagar."
  - id: return_period
    questions:
      en: ["How long do I have to return a product?"]
      fi: ["Kauanko minulla on aikaa palauttaa tuote?"]
      sv: ["Hur länge har jag returrätt?"]
    answer:
      en: "You can return products within 30 days."
      fi: "Voit palauttaa tuotteet 30 päivän kuluessa."
  - id: damaged_item
    questions:
      en: ["My product arrived broken"]
    answer:
      en: "Send us a photo and we will replace it."
    handoff: true
"""


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A small valid FAQ directory."""
    directory = tmp_path / "faq"
    directory.mkdir()
    (directory / "demo.yml").write_text(SMALL_FAQ, encoding="utf-8")
    return directory


def write(path: Path, text: str) -> Path:
    """Write dedented text."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
