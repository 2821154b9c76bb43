"""Tests of the guarded fine-tuning: batch sampler, hold-out split, cache and a real tiny run."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.faq.loader import Faq, FaqEntry
from bot.index import EmbeddingCache, FaqIndex
from bot.settings import RetrievalSettings
from bot.tuning import (
    MANIFEST_NAME,
    RECIPE_VERSION,
    BatchSampler,
    ensure_tuned_model,
    guard_split,
    holdout_questions,
    normalise,
    read_manifest,
    training_examples,
    tuned_model_dir,
)
from tests.fakes import HashingEncoder


def entry(entry_id: str, questions: dict[str, list[str]], answer: dict[str, str]) -> FaqEntry:
    """A FAQ entry made in code."""
    return FaqEntry(
        id=entry_id,
        topic="test",
        questions={lang: tuple(qs) for lang, qs in questions.items()},  # type: ignore[misc]
        answer=answer,  # type: ignore[arg-type]
        handoff=False,
        source="test",
    )


def synthetic_faq(entries: int = 20) -> Faq:
    """``entries`` entries with 5-8 fi/sv/en questions each (the answer only in fi and en)."""
    return Faq(
        entries=tuple(
            entry(
                f"entry_{n}",
                {
                    lang: [f"{lang} Question {q} of   entry {n}?" for q in range(5 + (n + i) % 4)]
                    for i, lang in enumerate(("fi", "sv", "en"))
                },
                {"fi": f"fi answer {n}", "en": f"en answer {n}"},
            )
            for n in range(entries)
        )
    )


RETRIEVAL = RetrievalSettings()


def test_normalise_matches_the_index(faq_dir: Path) -> None:
    from bot.faq.loader import load_faq

    index = FaqIndex(load_faq(faq_dir), EmbeddingCache(HashingEncoder()), RETRIEVAL)
    for text in ("  How  LONG does\tDelivery take? ", "Kauanko Toimitus KESTÄÄ"):
        assert normalise(text, RETRIEVAL) == index.normalise(text)


def test_holdout_is_stratified_seeded_and_about_15_percent() -> None:
    faq = synthetic_faq()
    held = holdout_questions(faq, seed=13)
    total = sum(len(qs) for e in faq.entries for qs in e.questions.values())
    assert len(held) == round(0.15 * total)
    per_group = Counter((number, lang) for number, lang, _ in held)
    for number, e in enumerate(faq.entries):
        for lang, questions in e.questions.items():
            share = 0.15 * len(questions)  # each group gives its share, rounded either way
            assert int(share) <= per_group[(number, lang)] <= int(share) + 1
    assert holdout_questions(faq, seed=13) == held
    assert holdout_questions(faq, seed=14) != held


def test_holdout_keeps_a_question_of_every_language() -> None:
    faq = Faq(entries=(entry("a", {"en": ["only one"]}, {"en": "x"}),))
    assert holdout_questions(faq, seed=1) == frozenset()


def test_batches_have_distinct_entries_same_language_positives_and_no_held_out_text() -> None:
    faq = synthetic_faq()
    split = guard_split(faq, 13, RETRIEVAL)
    held_texts = {normalise(text, RETRIEVAL) for _, _, text in split.held_out}
    assert len(split.held_out) > 50
    allowed = {  # (entry number, language) -> every text a positive may be
        (number, lang): {normalise(t, RETRIEVAL) for t in (*qs, e.answer.get(lang, "")) if t}
        for number, e in enumerate(faq.entries)
        for lang, qs in e.questions.items()
    }

    batches = list(itertools.islice(BatchSampler(split.anchors, 16, seed=13), 100))

    assert all(len(batch) == 16 for batch in batches)
    for batch in batches:
        assert len({pair.entry for pair in batch}) == 16
        for pair in batch:
            assert pair.anchor != pair.positive
            assert pair.anchor in allowed[(pair.entry, pair.lang)]
            assert pair.positive in allowed[(pair.entry, pair.lang)]
            assert pair.anchor not in held_texts and pair.positive not in held_texts
    used = Counter(pair.anchor for batch in batches for pair in batch)
    assert set(used) == {anchor.text for anchor in split.anchors}  # 1600 draws cover every anchor
    assert max(used.values()) - min(used.values()) <= 2  # epochs, not sampling with replacement
    # no held-out question is left in the guard's FAQ either (its index must not contain them)
    remaining = {q for e in split.train_faq.entries for qs in e.questions.values() for q in qs}
    assert not remaining & {text for _, _, text in split.held_out}
    # seeded
    again = list(itertools.islice(BatchSampler(split.anchors, 16, seed=13), 100))
    assert again == batches
    other = list(itertools.islice(BatchSampler(split.anchors, 16, seed=14), 100))
    assert other != batches


def test_batch_size_shrinks_to_the_number_of_entries() -> None:
    anchors = training_examples(synthetic_faq(5), RETRIEVAL)
    batch = next(iter(BatchSampler(anchors, 16, seed=1)))
    assert sorted(pair.entry for pair in batch) == [0, 1, 2, 3, 4]


def test_a_language_without_answer_or_second_question_gives_no_example() -> None:
    faq = Faq(entries=(entry("a", {"sv": ["bara en"], "en": ["one", "two"]}, {"fi": "x"}),))
    anchors = training_examples(faq, RETRIEVAL)
    assert [(a.lang, a.text, a.positives) for a in anchors] == [
        ("en", "one", ("two",)),
        ("en", "two", ("one",)),
    ]


def test_ensure_tuned_model_caches_a_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import tuning

    calls: list[Path] = []

    def rejecting_fine_tune(base: str, faq: Faq, out_dir: Path, **_: Any) -> None:
        calls.append(out_dir)
        manifest = {"recipe_version": RECIPE_VERSION, "accepted": False, "guard": {}}
        tuning._write(out_dir, manifest, None)

    monkeypatch.setattr(tuning, "fine_tune", rejecting_fine_tune)
    faq = synthetic_faq(3)
    base = str(tmp_path / "base-model")

    assert ensure_tuned_model(base, faq, tmp_path) is None
    assert ensure_tuned_model(base, faq, tmp_path) is None
    assert len(calls) == 1
    folder = tuned_model_dir(base, faq, tmp_path)
    assert calls == [folder] and folder.parent == tmp_path / "tuned"
    assert json.loads((folder / MANIFEST_NAME).read_text())["accepted"] is False
    assert not list(folder.parent.glob(".*"))  # no temp folders left behind

    assert ensure_tuned_model(base, faq, tmp_path, force=True) is None
    assert len(calls) == 2
    changed = Faq(entries=faq.entries[:2])
    assert tuned_model_dir(base, changed, tmp_path) != folder
    assert tuned_model_dir(base + "-other", faq, tmp_path) != folder


# ----------------------------------------------------------------------------- real model

SMALL_FAQ = {
    "delivery_time": (
        ["how long does delivery take?", "when will my parcel arrive?",
         "how many days is shipping?", "delivery time to my home"],
        ["kauanko toimitus kestää?", "milloin pakettini saapuu?",
         "montako päivää toimituksessa menee?", "toimitusaika kotiin"],
        ("Delivery takes 1-3 working days.", "Toimitus kestää 1-3 arkipäivää."),
    ),
    "return_period": (
        ["how long do i have to return a product?", "what is the return period?",
         "can i still return something after two weeks?", "days to send an item back"],
        ["kauanko minulla on aikaa palauttaa tuote?", "mikä on palautusaika?",
         "voinko vielä palauttaa kahden viikon jälkeen?", "montako päivää on palautusoikeus"],
        ("You can return products within 30 days.", "Voit palauttaa tuotteet 30 päivässä."),
    ),
    "gift_card": (
        ["do you sell gift cards?", "can i buy a gift card online?",
         "gift voucher for a friend", "how much can a gift card be worth"],
        ["myyttekö lahjakortteja?", "voinko ostaa lahjakortin verkosta?",
         "lahjakortti kaverille", "minkä arvoisen lahjakortin voi ostaa"],
        ("Gift cards are sold in the online shop.", "Lahjakortteja myydään verkkokaupassa."),
    ),
    "payment_methods": (
        ["which payment methods do you accept?", "can i pay with a credit card?",
         "is mobilepay accepted?", "can i pay by invoice"],
        ["mitä maksutapoja teillä on?", "voinko maksaa luottokortilla?",
         "käykö mobilepay?", "voiko maksaa laskulla"],
        ("We accept cards, MobilePay and invoice.", "Käy kortti, MobilePay ja lasku."),
    ),
    "password_reset": (
        ["i forgot my password", "i can't log in to my account",
         "how do i reset my password?", "login not working"],
        ["unohdin salasanani", "en pääse kirjautumaan tililleni",
         "miten vaihdan salasanan?", "kirjautuminen ei toimi"],
        ("Use the 'Forgot password' link.", "Käytä Unohditko salasanan -linkkiä."),
    ),
    "store_locations": (
        ["where are your stores?", "do you have a shop in helsinki?",
         "store opening hours", "address of your nearest store"],
        ["missä myymälänne ovat?", "onko teillä kauppaa helsingissä?",
         "myymälän aukioloajat", "lähimmän myymälän osoite"],
        ("Our stores are in Helsinki and Tampere.", "Myymälämme ovat Helsingissä ja Tampereella."),
    ),
    "damaged_item": (
        ["my product arrived broken", "the item was damaged in delivery",
         "the parcel was crushed", "what do i do with a faulty product?"],
        ["tuote saapui rikkinäisenä", "tuote vaurioitui kuljetuksessa",
         "paketti oli murskaantunut", "mitä teen viallisen tuotteen kanssa?"],
        ("Send us a photo and we will replace it.", "Lähetä kuva, niin vaihdamme sen."),
    ),
    "discount_code": (
        ["where do i enter a discount code?", "my promo code does not work",
         "do you have coupon codes?", "how do i use a voucher code"],
        ["mihin syötän alennuskoodin?", "kampanjakoodi ei toimi",
         "onko teillä alekoodeja?", "miten käytän etukoodia"],
        ("Enter the code in the cart.", "Syötä koodi ostoskorissa."),
    ),
}  # fmt: skip

# Paraphrases that are in no FAQ row.
PARAPHRASES = [
    ("how many days until my order gets here", "delivery_time"),
    ("käykö visa maksuksi", "payment_methods"),
    ("salasana hukassa en pääse sisään", "password_reset"),
    ("the box came smashed and the lamp is cracked", "damaged_item"),
]


@pytest.mark.integration
def test_fine_tune_the_builtin_model_on_a_small_faq(tmp_path: Path) -> None:
    from bot.encoder import SentenceEncoder
    from bot.model import prepare_model
    from bot.tuning import fine_tune

    faq = Faq(
        entries=tuple(
            entry(entry_id, {"en": en, "fi": fi}, {"en": answer[0], "fi": answer[1]})
            for entry_id, (en, fi, answer) in SMALL_FAQ.items()
        )
    )
    out = tmp_path / "tuned"

    result = fine_tune(prepare_model(), faq, out, steps=10, seed=13)

    manifest = read_manifest(out)
    assert manifest is not None
    guard = manifest["guard"]
    assert result == out, f"the guard rejected the tuned model: {guard}"
    assert manifest["accepted"] and manifest["steps"] == 10 and manifest["batch_size"] == 8
    assert manifest["faq_content_hash"] == faq.content_hash
    assert guard["held_out"] == round(0.15 * 64)
    assert guard["tuned"]["all"]["top1"] >= guard["zero_shot"]["all"]["top1"] - 0.01
    assert not list(tmp_path.glob(".tuned.*"))

    encoder = SentenceEncoder(str(out))  # loads like any configured model, "query: " prompt kept
    index = FaqIndex(faq, EmbeddingCache(encoder), RETRIEVAL)
    for text, expected in PARAPHRASES:
        assert index.search(text)[0].id == expected, text
