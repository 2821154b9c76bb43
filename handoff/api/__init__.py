"""The handoff service's HTTP API, one router per audience; :func:`handoff.app.create_app`
wires them together.

- :mod:`handoff.api.console`: agents' login, session and logout, and the console page;
- :mod:`handoff.api.conversations`: queue, tickets, claim, reply, note, close (console agents
  and integrations);
- :mod:`handoff.api.integrations`: webhooks of helpdesk backends (Chatwoot);
- :mod:`handoff.api.service`: health.

Routes are thin: the rules of who may change which ticket live in :class:`handoff.desk.HandoffDesk`.
"""
