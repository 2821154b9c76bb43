"""Once Rasa has loaded its model, the objects alive then are frozen out of garbage collection.

Rasa's process holds millions of objects once TensorFlow and the model are loaded. Python's
oldest-generation collection walks all of them whenever enough new objects have survived, and
under load that stopped Rasa's event loop, with every conversation in it, for 50–340 ms at a time
(docs/performance.md "Event-loop stalls"). None of those objects ever becomes garbage.

:func:`install` (fits Rasa 3.6.21; ``channels.server`` calls it) wraps
``rasa.core.run.load_agent_on_start``: once the agent is loaded, it parses one message (so that
TensorFlow builds its graph for predictions now rather than at the first shopper's message),
collects, and calls :func:`gc.freeze`, which moves every object alive at that moment into a
permanent generation that collections skip. Objects created afterwards are collected as before.

A model swapped through Rasa's HTTP API (``PUT /model``, ``DELETE /model``) would leave the old
model's reference cycles frozen, never collected. :func:`install` therefore also wraps
``rasa.server.create_app`` with a response middleware: after a successful swap it unfreezes,
collects (the old model goes) and freezes again.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.heap import freeze, refreeze

logger = logging.getLogger(__name__)

_INSTALLED = "_faqbot_frozen_heap"
WARM_UP_TEXT = "hei"


async def _after_model_swap(request: Any, response: Any) -> None:
    if request.path == "/model" and request.method in ("PUT", "DELETE") and response.status < 300:
        logger.info("Model swapped; objects frozen out of garbage collection: %d", refreeze())


def install() -> None:
    """Patch ``rasa.core.run.load_agent_on_start`` and ``rasa.server.create_app`` (idempotent)."""
    from rasa import server
    from rasa.core import run

    original = run.load_agent_on_start
    if getattr(original, _INSTALLED, False):
        return
    create_app = server.create_app

    def create_app_watching_swaps(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)
        app.register_middleware(_after_model_swap, "response")
        return app

    server.create_app = create_app_watching_swaps

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await original(*args, **kwargs)
        if agent is not None and agent.is_ready():
            await agent.parse_message(WARM_UP_TEXT)
        logger.info("Objects frozen out of garbage collection: %d", freeze())
        return agent

    setattr(load_agent_on_start, _INSTALLED, True)
    run.load_agent_on_start = load_agent_on_start  # type: ignore[assignment]
