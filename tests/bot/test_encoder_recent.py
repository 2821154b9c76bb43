"""The action server's memory of recently embedded questions (bot.encoder.RecentQueries)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bot.encoder import RecentQueries
from tests.fakes import HashingEncoder


def test_a_question_embedded_again_is_not_computed_again() -> None:
    inner = HashingEncoder()
    encoder = RecentQueries(inner)
    first = encoder.encode(["missä tilaukseni on"])
    again = encoder.encode(["missä tilaukseni on"])
    assert inner.calls == [["missä tilaukseni on"]]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, HashingEncoder().encode(["missä tilaukseni on"]))


def test_batches_always_go_to_the_encoder() -> None:
    inner = HashingEncoder()
    encoder = RecentQueries(inner)
    encoder.encode(["a b", "c d"])
    encoder.encode(["a b", "c d"])
    assert inner.calls == [["a b", "c d"], ["a b", "c d"]]
    assert encoder.encode([]).shape[0] == 0


def test_the_oldest_question_is_forgotten_first() -> None:
    inner = HashingEncoder()
    encoder = RecentQueries(inner, size=2)
    for text in ("one", "two", "one", "three", "one", "two"):
        encoder.encode([text])
    # "one" was used again before "three" came, so "two" was the one forgotten
    assert inner.calls == [["one"], ["two"], ["three"], ["two"]]


def test_the_name_is_the_encoders_own() -> None:
    assert RecentQueries(HashingEncoder()).name == HashingEncoder.name


def test_a_remembered_vector_cannot_be_changed_by_a_caller() -> None:
    encoder = RecentQueries(HashingEncoder())
    vector = encoder.encode(["hello"])
    with pytest.raises(ValueError):
        vector[0, 0] = 5.0


def test_threads_get_the_right_vector() -> None:
    encoder = RecentQueries(HashingEncoder(), size=8)
    texts = [f"question {n}" for n in range(20)]
    expected = {t: HashingEncoder().encode([t]) for t in texts}
    wrong: list[str] = []

    def ask(offset: int) -> None:
        for i in range(200):
            text = texts[(i * 7 + offset) % len(texts)]
            if not np.array_equal(encoder.encode([text]), expected[text]):
                wrong.append(text)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_passages_reach_the_wrapped_encoder_s_passage_prompt() -> None:
    # the action server wraps its encoder in RecentQueries: the FAQ's answers must still be
    # embedded as passages there, as `faqbot faq eval` embeds them
    class Passages(HashingEncoder):
        def encode_passages(self, texts: list[str]) -> np.ndarray:
            return self.encode([f"passage {t}" for t in texts])

    inner = Passages()
    encoder = RecentQueries(inner)
    np.testing.assert_array_equal(
        encoder.encode_passages(["returns take 14 days"]),
        Passages().encode(["passage returns take 14 days"]),
    )
    plain = RecentQueries(HashingEncoder())  # no passage prompt: embedded as queries
    np.testing.assert_array_equal(plain.encode_passages(["a b"]), HashingEncoder().encode(["a b"]))
