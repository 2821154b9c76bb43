"""channels.frozen_heap: once Rasa's agent is loaded, its objects are frozen out of collections."""

from __future__ import annotations

from typing import Any, cast

import pytest

from tests.channels.test_python310 import run_in_rasa

pytestmark = pytest.mark.integration

# Runs in .venv-rasa: Rasa's load_agent_on_start replaced by a stand-in agent, then patched
# (twice: idempotent); what the wrapper returns and parses, and the freeze before and after.
_RUN = """
import asyncio, gc, json
from rasa.core import run

parsed = []
class Agent:
    def is_ready(self):
        return True
    async def parse_message(self, text):
        parsed.append(text)
        return {}

agent = Agent()
async def load_agent_on_start(*args, **kwargs):
    return agent
run.load_agent_on_start = load_agent_on_start

from channels import frozen_heap
frozen_heap.install()
frozen_heap.install()
before = gc.get_freeze_count()
loaded = asyncio.run(run.load_agent_on_start("model.tar.gz", None, None, None, None))
after = gc.get_freeze_count()

# a swapped model's reference cycles, frozen with the rest, go at the refreeze
import weakref
class Node:
    pass
old_model = Node(); old_model.me = old_model
gone = weakref.ref(old_model)
frozen_heap.freeze()
del old_model
kept_frozen = gone() is not None
frozen_heap.refreeze()
print(json.dumps({
    "same_agent": loaded is agent, "parsed": parsed, "before": before, "after": after,
    "kept_while_frozen": kept_frozen, "collected_at_refreeze": gone() is None,
    "frozen_again": gc.get_freeze_count(),
}))
"""


def test_the_loaded_agent_is_warmed_the_heap_frozen_and_refrozen_after_a_swap() -> None:
    found = cast(dict[str, Any], run_in_rasa(_RUN))
    assert found["same_agent"] is True
    assert found["parsed"] == ["hei"]  # one parse, so TensorFlow builds its graph before shoppers
    assert found["before"] == 0
    assert found["after"] > 10_000  # Rasa's imported modules alone are far more objects
    assert found["kept_while_frozen"] is True  # a freeze keeps cyclic garbage...
    assert found["collected_at_refreeze"] is True  # ...until the refreeze after a model swap
    assert found["frozen_again"] > 10_000
