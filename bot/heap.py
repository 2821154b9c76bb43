"""Freezing a long-running process's loaded objects out of Python's garbage collection.

A server holds its loaded model, FAQ and shop for its whole life, and none of it becomes
garbage; Python's oldest-generation collections still walk all of it whenever enough new
objects have survived, stopping the process for tens to hundreds of milliseconds under load
(docs/performance.md "Event-loop stalls"). The action server and Rasa (``channels.frozen_heap``)
freeze what they loaded once they are warm. Plain ``gc``: Rasa's Python imports this too.
"""

from __future__ import annotations

import gc


def freeze() -> int:
    """Collect, then freeze every object alive now; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def refreeze() -> int:
    """Unfreeze, collect what is garbage now, and freeze again; returns how many are frozen.

    For when something frozen was replaced (a model swapped): its reference cycles would
    otherwise never be collected.
    """
    gc.unfreeze()
    return freeze()
