"""Rasa's command line with faqbot's patches: ``python -m channels.server run ...``.

``scripts/stack.py`` starts Rasa this way (from the project root, in .venv-rasa) instead of
``rasa run``, so that faqbot's patches are in place before Rasa loads anything:
:mod:`channels.actions_down`, :mod:`channels.fast_validation`, :mod:`channels.long_conversations`,
:mod:`channels.tracker_store`, :mod:`channels.sqlite_files`, :mod:`channels.event_types`,
:mod:`channels.frozen_heap`, :mod:`channels.domain_digest` (before ``actions_down``, which wraps
what it returns).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Install the patches, then run Rasa's own ``main`` with the same arguments."""
    from channels import (
        actions_down,
        domain_digest,
        event_types,
        fast_validation,
        frozen_heap,
        long_conversations,
        sqlite_files,
        tracker_store,
    )

    domain_digest.install()
    actions_down.install()
    fast_validation.install()
    long_conversations.install()
    tracker_store.install()
    sqlite_files.install()
    event_types.install()
    frozen_heap.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
