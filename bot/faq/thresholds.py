"""Thresholds that follow the FAQ: derived for each FAQ version at load, kept on disk by content.

A shop's FAQ is not the shipped one: thresholds calibrated for twelve phrasings per entry turn
a working ranking into "I'm not sure I understood" on a FAQ with two. Unless ``faqbot.yml`` sets
a threshold (then all three are taken from it), every load and hot reload derives them with
:func:`bot.faq.calibration.calibrate` (leave-one-question-out on the FAQ's own phrasings plus the
off-topic messages of ``settings.offtopic_messages``; the shoppers' accepted questions are
left out, see :meth:`bot.faq.index.FaqIndex.editors_only`). The result is cached under
``<cache>/calibration`` by everything it depends on, so a restart costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.cache import cache_dir
from bot.errors import FaqbotError
from bot.faq.calibration import Calibration, calibrate, load_offtopic
from bot.faq.index import FaqIndex
from bot.faq.settings import THRESHOLDS, PolicySettings, Settings

log = logging.getLogger(__name__)

_VERSION = 8  # of the calibration recipe or the scores it reads: bump when either changes


@dataclass(frozen=True)
class Thresholds:
    """The policy a FAQ version is served with, and where its thresholds came from."""

    policy: PolicySettings
    source: str  # "faqbot.yml", "derived" or "defaults (…why…)"
    rates: dict[str, float] | None = None  # what the policy does on the calibration questions


def thresholds_for(index: FaqIndex, settings: Settings) -> Thresholds:
    """The thresholds to serve ``index`` with (see the module docstring), derived on its
    editors' questions only (:meth:`FaqIndex.editors_only`)."""
    if settings.policy.model_fields_set & set(THRESHOLDS):
        return Thresholds(settings.policy, "faqbot.yml")
    index = index.editors_only()
    try:
        offtopic = load_offtopic(settings.offtopic_messages)
    except (FaqbotError, OSError) as exc:
        return _defaults(settings, f"no off-topic messages: {exc}")
    path = cache_dir() / "calibration" / f"{_key(index, settings, offtopic)}.json"
    cached = _read(path, settings.policy)
    if cached is not None:
        return cached
    try:
        result = calibrate(index, offtopic, settings.policy)
    except FaqbotError as exc:  # e.g. a FAQ too small to meet the error budgets
        return _defaults(settings, str(exc))
    derived = Thresholds(result.policy, "derived", result.rates(result.policy))
    _write(path, derived, result)
    log.info(
        "thresholds derived for this FAQ: answer %.4f (margin %.4f), clarify %.4f",
        result.policy.answer_threshold,
        result.policy.answer_margin,
        result.policy.clarify_threshold,
    )
    return derived


def _defaults(settings: Settings, why: str) -> Thresholds:
    log.warning("thresholds not derived (%s); using the built-in defaults", why)
    return Thresholds(settings.policy, f"defaults ({why})")


def _key(index: FaqIndex, settings: Settings, offtopic: list[str]) -> str:
    rows = [(index.faq.entries[r.entry].id, r.lang, r.kind, r.text) for r in index.rows]
    window = settings.policy.model_dump(exclude=set(THRESHOLDS))
    # the encoder's name, not settings.model: one model name may run on more than one engine
    parts = [_VERSION, rows, offtopic, index.model_name, settings.retrieval.model_dump(), window]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]


def _read(path: Path, policy: PolicySettings) -> Thresholds | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        values = {key: float(data["thresholds"][key]) for key in THRESHOLDS}
        rates = {str(k): float(v) for k, v in data["rates"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Thresholds(policy.model_copy(update=values), "derived", rates)


def _write(path: Path, derived: Thresholds, result: Calibration) -> None:
    data = {
        "thresholds": {key: getattr(derived.policy, key) for key in THRESHOLDS},
        "rates": derived.rates,
        "questions": len(result.positives),
        "offtopic": len(result.negatives),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:  # a read-only cache only costs the next start the calibration
        log.warning("could not keep the derived thresholds in %s: %s", path, exc)
