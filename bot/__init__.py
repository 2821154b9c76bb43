"""faqbot's library: everything the bot knows, without Rasa.

- ``bot.faq``: the FAQ feature (schema and loader, settings, index, lexical signal, å/ä/ö
  restoration, policy, service with hot reload, calibration, evaluation, ``faqbot faq``).
- ``bot.shop``: the shop feature (orders and stock from SQLite or WooCommerce, product search,
  restock emails, ``faqbot shop``).
- ``bot.model``: the built-in embedding model and its conversion (``faqbot model``).
- Shared tools: ``language`` (fi/sv/en detection, ``Language``), ``encoder`` and
  ``embeddings`` (sentence embeddings, their cache, best-row-plus-centroid scoring),
  ``reloading`` (rebuild on change, keep the last good version), ``cache``, ``http``,
  ``yamlfile``, ``responses``, ``conversation`` (slot names and states shared with
  ``actions/``, ``handoff/`` and ``channels/``), and the lexical readers ``contact``,
  ``declines`` and ``human_request``; ``heap`` (freezing a warm server's objects out of garbage
  collection).

This package never imports rasa, rasa_sdk or ``handoff``; the action server (``actions/``), the
handoff service (``handoff/``) and the ``faqbot`` command (``faqbot.py``) build on it.
"""

from __future__ import annotations

__version__ = "0.1.0"
