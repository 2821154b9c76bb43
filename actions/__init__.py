"""Rasa action server for faqbot: thin actions, one module per concern, calling ``bot`` and
``handoff``.

- ``language``: the conversation's language; ``small_talk``: greetings, thanks, goodbyes and a
  bare yes/no, with the FAQ's second opinion; ``routing``: which answer a shop question gets
  (FAQ or stock), whatever Rasa's intent; ``faq``, ``shop_stock``, ``shop_orders``, ``restock``:
  the answers; ``handoff``, ``offline_contact``: escalation; ``satisfaction``, ``yes_no``,
  ``replies``, ``forms``, ``texts``: shared steps; ``runtime``: the one warmed-up FAQ service,
  shop and desk of the process.

Start it with ``python -m actions`` (warms the model up before serving).
"""
