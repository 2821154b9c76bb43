"""Escalation to human agents, and the agent side of a handoff.

- The action server calls :class:`handoff.desk.HandoffDesk` to escalate (queue, overflow to a
  partner, or offline with an email address); tickets live in the shared database
  (:mod:`handoff.store`).
- The handoff service (:func:`handoff.app.create_app`, routes in :mod:`handoff.api`) runs the
  agent console and the HTTP API; every change of a ticket goes through the desk, which tells
  the shopper through Rasa or Messenger (:mod:`handoff.delivery`).
- Helpdesk backends (:mod:`handoff.backends`: a signed webhook, Chatwoot) receive tickets
  through the persisted outbox (:mod:`handoff.outbox`) and answer through the API.

This package never imports rasa; settings are in ``handoff.yml`` (:mod:`handoff.config`).
"""

from __future__ import annotations
