"""The one-pass "at most one edit" check agrees with the full distance it replaces."""

from __future__ import annotations

import itertools
import random

from bot.language import within_one_edit
from bot.shop.lexical import _osa_distance, joined_similarity, similarity


def _words(alphabet: str, longest: int) -> list[str]:
    return [
        "".join(letters)
        for length in range(longest + 1)
        for letters in itertools.product(alphabet, repeat=length)
    ]


def test_every_pair_of_short_words_agrees_with_the_distance() -> None:
    words = _words("abc", 4)
    wrong = [
        (a, b) for a in words for b in words if within_one_edit(a, b) != (_osa_distance(a, b) <= 1)
    ]
    assert wrong == []


def test_random_product_words_agree_with_the_distance() -> None:
    rng = random.Random(13)
    base = ["vaellusrinkka", "revontuli", "untuvatakki", "trailrunner", "teltta", "kök"]
    wrong = []
    for _ in range(5000):
        word = list(rng.choice(base))
        for _ in range(rng.randint(0, 2)):  # up to two random edits
            at = rng.randrange(len(word) + 1)
            kind = rng.choice("isdt")
            if kind == "i":
                word.insert(at, rng.choice("aeiktnrsä"))
            elif kind == "s" and at < len(word):
                word[at] = rng.choice("aeiktnrsä")
            elif kind == "d" and at < len(word):
                del word[at]
            elif kind == "t" and at + 1 < len(word):
                word[at], word[at + 1] = word[at + 1], word[at]
        a, b = "".join(word), rng.choice(base)
        if within_one_edit(a, b) != (_osa_distance(a, b) <= 1):
            wrong.append((a, b))
    assert wrong == []


def test_typos_still_match_names() -> None:
    assert similarity("vaelus", "vaellus") == 0.8  # a letter missing
    assert similarity("trial", "trail") == 0.8  # neighbours swapped
    assert similarity("vaelkusrinkkaa", "vaellus") == 0.75  # a typo in an inflected form
    assert joined_similarity("trailrunnre", "trailrunner") == 0.8
    assert joined_similarity("trailrunxxr", "trailrunner") == 0.0  # two edits are too many
