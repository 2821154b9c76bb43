"""Held-out means held out: no labelled text is (nearly) a training, tuning or calibration text.

Compared after lower-casing and removing punctuation and å/ä/ö (``tests/heldout.normalise``);
"nearly" is a difflib ratio above ``tests.heldout.NEAR``. When one fails, rewrite or remove the
training-side text (FAQ question, NLU example, calibration message, development case), never
the held-out one.
"""

from __future__ import annotations

import pytest

from tests import heldout

HELD_OUT = ("eval set", "escalation set", "stock set")


@pytest.fixture(scope="module")
def labelled() -> dict[str, list[heldout.Text]]:
    sets = heldout.labelled_sets()
    for name, texts in sets.items():
        assert len(texts) >= 30, f"{name}: only {len(texts)} texts read; has its format changed?"
    return sets


@pytest.fixture(scope="module")
def training() -> list[heldout.Text]:
    texts = heldout.training_side()
    for source in ("FAQ question", "NLU example", "calibration message"):
        assert sum(t.source == source for t in texts) >= 50, f"too few {source}s read"
    return texts


DEV = ("dev set", "dev set 2", "stock dev set", "escalation dev set", "owned-item dev set")


@pytest.mark.parametrize("name", [*HELD_OUT, *DEV])
def test_no_labelled_text_is_a_training_text(
    name: str, labelled: dict[str, list[heldout.Text]], training: list[heldout.Text]
) -> None:
    found = heldout.overlaps(labelled[name], training)
    assert found == [], "rewrite or remove the training-side text:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("held_out", "tuning"),
    [
        ("eval set", "dev set"),
        ("stock set", "stock dev set"),
        ("escalation set", "escalation dev set"),
        *(("eval set", name) for name in DEV if name != "dev set"),
        ("stock set", "owned-item dev set"),
        ("dev set", "dev set 2"),
    ],
)
def test_settings_are_tuned_on_texts_unlike_the_held_out_ones(
    held_out: str, tuning: str, labelled: dict[str, list[heldout.Text]]
) -> None:
    found = heldout.overlaps(labelled[held_out], labelled[tuning])
    assert found == [], f"rewrite the {tuning} case:\n" + "\n".join(found)


def test_normalising_ignores_case_punctuation_and_diacritics() -> None:
    assert heldout.normalise("Hur LÅNG tid, tar återbetalningen?!") == (
        "hur lang tid tar aterbetalningen"
    )
    assert heldout.normalise("  voiks   maksaa_osissa ") == "voiks maksaa osissa"


def test_near_duplicates_are_found_and_different_texts_are_not() -> None:
    def text(value: str) -> heldout.Text:
        return heldout.Text("t", "x:1", value)

    found = heldout.overlaps(
        [text("voiks maksaa osissa"), text("onko teltta vedenpitävä")],
        [text("voiko maksaa osissa?"), text("onko takki vedenpitävä")],
    )
    assert len(found) == 1 and "nearly the same as" in found[0] and "x:1" in found[0]
    assert heldout.overlaps([text("Moi!")], [text("moi")])[0].count("same as") == 1
