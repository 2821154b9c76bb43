"""Rasa's command line with faqbot's patches: ``python -m channels.server run ...``.

``scripts/stack.py`` starts Rasa this way (from the project root, in .venv-rasa) instead of
``rasa run``, so that faqbot's patches are in place before Rasa loads anything:
:mod:`channels.actions_down`, :mod:`channels.fast_validation`, :mod:`channels.long_conversations`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Install the patches, then run Rasa's own ``main`` with the same arguments."""
    from channels import actions_down, fast_validation, long_conversations

    actions_down.install()
    fast_validation.install()
    long_conversations.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
