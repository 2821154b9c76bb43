"""The few calls the handoff service makes to Rasa's HTTP API."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import requests

from bot.conversation import FROM_AGENT, META_AGENT, META_FROM
from handoff.errors import HandoffConfigError, RasaUnavailable, UnknownConversation
from handoff.http import request
from handoff.logs import REDACTED, redact

Event = dict[str, Any]


class RasaClient:
    """Reads trackers and appends events (with side effects) to Rasa conversations."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else os.environ.get("RASA_AUTH_TOKEN", "")
        if not self.token:
            raise HandoffConfigError(
                "RASA_AUTH_TOKEN is not set: the handoff service needs the token Rasa's HTTP API "
                "was started with (`make run` passes it on)"
            )
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self.token, **kwargs.pop("params", {})}
        url = f"{self.base_url}{path}"
        try:
            response = request(method, url, params=params, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            # ``from None``: the cause's text holds the whole URL, with ``?token=``
            raise RasaUnavailable(
                self._scrub(f"Rasa at {self.base_url} does not answer {method} {path}: {exc}"),
                reachable=False,
            ) from None
        if response.status_code == 404:
            raise UnknownConversation(f"Rasa does not know {path}")
        if response.status_code >= 400:
            raise RasaUnavailable(
                self._scrub(
                    f"Rasa refused {method} {path}: HTTP {response.status_code} "
                    f"{response.text[:300]}"
                )
            )
        return response.json() if response.content else None

    def _scrub(self, text: str) -> str:
        """Never let the token (a query parameter: Rasa reads it nowhere else) reach logs or
        API answers."""
        return redact(text.replace(self.token, REDACTED))

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker with all events since its last restart."""
        result = self._call("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker")
        return dict(result or {})

    def append_events(
        self, conversation_id: str, events: list[Event], *, execute_side_effects: bool = True
    ) -> None:
        """Append events; bot messages among them reach the shopper's latest channel.

        ``execute_side_effects=False`` only records them (the caller delivered them itself,
        e.g. through Messenger's Send API), so the transcript stays complete.
        """
        params = {"execute_side_effects": "true", "output_channel": "latest"}
        if not execute_side_effects:
            params = {"execute_side_effects": "false"}
        self._call(
            "POST",
            f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
            params=params,
            json=events,
        )

    def healthy(self) -> bool:
        """Whether the Rasa server answers."""
        try:
            request("GET", f"{self.base_url}/", timeout=2.0)
        except requests.RequestException:
            return False
        return True


def bot_message(
    text: str,
    agent: str | None = None,
    *,
    buttons: list[dict[str, str]] | None = None,
    metadata: dict[str, str] | None = None,
    link: dict[str, str] | None = None,
) -> Event:
    """A ``bot`` event; ``metadata.agent`` + ``from: agent`` tell channels a person wrote it.

    ``metadata`` adds what channels may show (the web widget shows ``handoff``, the state
    after this message, and ``language``); ``buttons`` become quick replies; ``link``
    (``{url, title}``) is a link button, sent as the custom payload ``{"link": link}``.
    """
    event: Event = {"event": "bot", "text": text}
    extra = dict(metadata or {})
    if agent:
        extra.update({META_AGENT: agent, META_FROM: FROM_AGENT})
    if extra:
        event["metadata"] = extra
    data: dict[str, Any] = {}
    if buttons:
        data["buttons"] = buttons
    if link:
        data["custom"] = {"link": link}
    if data:
        event["data"] = data
    return event


def set_slot(name: str, value: Any) -> Event:
    """A ``slot`` event."""
    return {"event": "slot", "name": name, "value": value}


def resume_events() -> list[Event]:
    """Resume and listen: a bare ``resume`` makes Rasa re-run actions on the messages it
    logged while paused (which would escalate again)."""
    return [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
