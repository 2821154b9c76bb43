from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.faq.colloquial import Colloquial, ColloquialForms, LanguageForms, load_forms, shipped_forms

FAQ_TEXTS = {
    "fi": ["Onko teillä asiakaspalvelun puhelinnumeroa?", "Voiko tilauksen perua?", "Mitä maksaa?"],
    "sv": ["Är frakten gratis?", "Hur länge har jag på mig att ångra köpet?"],
}


def test_spoken_finnish_words_are_written_out() -> None:
    colloquial = Colloquial(shipped_forms(), FAQ_TEXTS)
    assert (
        colloquial.standard("onks teil puhelinnumeroa mihin vois soittaa", "fi")
        == "onko teillä puhelinnumeroa mihin voisi soittaa"
    )
    # a subject pronoun is dropped, as written Finnish does
    assert colloquial.standard("mä tilasin, pitäs palauttaa takas", "fi") == (
        "tilasin, pitäisi palauttaa takaisin"
    )
    assert colloquial.standard("voiks sä  kertoa", "fi") == "voiko kertoa"


def test_spoken_swedish_words_are_written_out_also_without_diacritics() -> None:
    colloquial = Colloquial(shipped_forms(), FAQ_TEXTS)
    assert colloquial.standard("hur länge har ja på mig", "sv") == "hur länge har jag på mig"
    assert colloquial.standard("e frakten gratis nan gång, int?", "sv") == (
        "är frakten gratis någon gång, inte?"
    )


def test_an_ending_is_rewritten_only_when_the_faq_confirms_it() -> None:
    colloquial = Colloquial(shipped_forms(), FAQ_TEXTS)
    # "voi" + "ko" is the FAQ's "voiko"; "mitä" + "s" drops to the FAQ's "mitä"
    assert colloquial.standard("voiks perua? mitäs maksaa", "fi") == "voiko perua? mitä maksaa"
    # the FAQ has neither "kalli"/"kalliko" nor "hajo": words kept as typed
    assert colloquial.standard("kallis, hajos", "fi") == "kallis, hajos"
    # a word the FAQ itself uses is never rewritten by an ending
    assert colloquial.standard("Mitä maksaa", "fi") == "Mitä maksaa"


def test_vowel_harmony_picks_the_front_form() -> None:
    forms = ColloquialForms(fi=LanguageForms(endings={"ks": ["ko", "kö"]}))
    colloquial = Colloquial(forms, {"fi": ["pitääkö", "onko"]})
    assert colloquial.standard("pitääks onks", "fi") == "pitääkö onko"


def test_other_languages_are_untouched() -> None:
    colloquial = Colloquial(shipped_forms(), FAQ_TEXTS)
    assert colloquial.standard("mä e int", "en") == "mä e int"
    assert colloquial.standard("mä e int", None) == "mä e int"


def test_a_bad_forms_file_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "forms.yml"
    path.write_text(
        "fi:\n  words:\n    Mä: minä\n    two words: x\n  endings:\n    ks: []\nde: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_forms(path)
    message = str(caught.value)
    assert f"{path}:" in message
    for problem in ("Mä", "two words", "fi.endings.ks", "de"):
        assert problem in message
