"""faqbot core library: FAQ schema and loader, embeddings, index, language detection, policy.

This package never imports rasa or rasa_sdk; the action server in ``actions/`` calls into it.
"""

from __future__ import annotations

__version__ = "0.1.0"
