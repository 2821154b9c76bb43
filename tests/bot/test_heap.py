"""bot.heap: freezing a warm process's objects, and collecting what a swap replaced."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import heap


class _Node:
    me: _Node


@pytest.fixture(autouse=True)
def _unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def test_freeze_keeps_cyclic_garbage_until_a_refreeze() -> None:
    model = _Node()
    model.me = model  # a reference cycle, as a loaded model has many
    gone = weakref.ref(model)
    assert heap.freeze() == gc.get_freeze_count() > 0
    del model
    gc.collect()
    assert gone() is not None  # frozen: collections skip it
    assert heap.refreeze() > 0
    assert gone() is None  # unfrozen, collected, and the rest frozen again
