"""Rasa sends the action server its domain once, not with every custom action call.

Rasa 3.6's ``RemoteAction`` puts the whole domain (about 43 KB of JSON here: every response in
three languages) into every action call, beside the tracker, and the action server parses it each
time. rasa-sdk (3.21, in .venv) keeps the domain it was last sent with its digest
(``domain_digest``) and answers 449 to a call that carries neither the domain nor the digest of
the one it keeps: the protocol of later Rasa versions.

:func:`install` (fits Rasa 3.6.21; ``channels.server`` calls it before
:mod:`channels.actions_down`, which must see the outcome) makes ``RemoteAction`` send the digest
with every call and the domain only until a call that carried it succeeded. A 449 (an action
server that restarted, or another one behind a load balancer) is answered by the same call again,
with the domain; the action had not run (rasa-sdk checks the domain first).
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any

_INSTALLED = "_faqbot_domain_digest"
MISSING_DOMAIN = 449
"""rasa-sdk's answer to a call without the domain it needs."""

_with_domain: contextvars.ContextVar[bool] = contextvars.ContextVar("with_domain", default=False)
_delivered: set[str] = set()
"""Digests of domains an action server has accepted."""


def digest(domain: Any) -> str:
    """The domain's fingerprint, computed once per domain object."""
    known = domain.__dict__.get(_INSTALLED)
    if known is None:
        known = domain.__dict__[_INSTALLED] = str(domain.fingerprint())
    return str(known)


def is_missing_domain(error: BaseException) -> bool:
    """Whether Rasa's error is the action server's 449 "send me the domain"."""
    cause = error.__cause__
    return getattr(cause, "status", None) == MISSING_DOMAIN


def install() -> None:
    """Patch Rasa's ``RemoteAction._action_call_format`` and ``run`` (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.exceptions import RasaException

    if getattr(RemoteAction.run, _INSTALLED, False):
        return
    call_format = RemoteAction._action_call_format
    run = RemoteAction.run

    @functools.wraps(call_format)
    def _action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
        result: dict[str, Any] = call_format(self, tracker, domain)
        if "domain" not in result:  # Rasa's selective domain decided: leave it alone
            return result
        key = digest(domain)
        result["domain_digest"] = key
        if key in _delivered and not _with_domain.get():
            del result["domain"]
        return result

    @functools.wraps(run)
    async def _run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        try:
            events = await run(self, output_channel, nlg, tracker, domain)
        except RasaException as error:
            if not is_missing_domain(error) or _with_domain.get():
                raise
            token = _with_domain.set(True)
            try:
                events = await run(self, output_channel, nlg, tracker, domain)
            finally:
                _with_domain.reset(token)
        _delivered.add(digest(domain))
        return events

    setattr(_run, _INSTALLED, True)
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    RemoteAction.run = _run  # type: ignore[method-assign]
