"""Handoff settings: ``handoff.yml`` at the project root (``$FAQBOT_HANDOFF_CONFIG``).

Environment variables override what differs between machines: ``FAQBOT_DATABASE_URL``,
``FAQBOT_EVENT_BROKER_URL`` (``none``: no broker), ``RASA_URL``, ``RASA_AUTH_TOKEN`` and
``FAQBOT_SECURE_COOKIES`` (1, 0 or auto). Secrets are never in the file; backends name the
environment variable that holds theirs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.language import LANGUAGES, Language
from bot.yamlfile import FilePath, read_yaml, validate
from handoff.backends.base import BackendConfig
from handoff.errors import HandoffConfigError
from handoff.hours import OpeningHours

CONSOLE = "console"


class OverflowSettings(BaseModel):
    """When the own queue is too long or closed, route to a partner contact center."""

    model_config = ConfigDict(extra="forbid")

    backend: str  # a name under ``backends``
    max_queue: Annotated[int, Field(ge=0)] = 5
    max_wait_minutes: Annotated[float, Field(ge=0)] = 10
    # the partner's own hours; when omitted the partner is always open
    hours: OpeningHours | None = None


class LimitSettings(BaseModel):
    """Caps that keep floods from anonymous senders out (README "Human handoff")."""

    model_config = ConfigDict(extra="forbid")

    # request bodies; webhooks of helpdesk backends carry whole conversations
    max_body_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024
    max_webhook_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024
    # new tickets per conversation and per client (its IP when the channel passes one)
    tickets_per_sender: Annotated[int, Field(ge=1)] = 3
    tickets_per_client: Annotated[int, Field(ge=1)] = 10
    ticket_window_minutes: Annotated[float, Field(gt=0)] = 10
    # new tickets of all shoppers together; over it shoppers get the phone and email instead
    burst_tickets: Annotated[int, Field(ge=1)] = 30
    burst_seconds: Annotated[float, Field(gt=0)] = 60


class PrivacySettings(BaseModel):
    """How long faqbot keeps what shoppers left (README "Privacy")."""

    model_config = ConfigDict(extra="forbid")

    # closed tickets' personal fields and transcripts, conversations idle this long, restock
    # sign-ups made this long ago: `faqbot privacy purge` removes them
    retention_days: Annotated[int, Field(ge=1, le=36500)] = 365
    # the handoff service purges at start and then this often; 0 leaves it to cron
    purge_every_hours: Annotated[float, Field(ge=0)] = 24


# read when settings are made, so tests can point it at a temporary file (tests/handoff/conftest.py)
DEFAULT_EVENT_BROKER_URL = "sqlite:///.faqbot/events.db"


class SyncSettings(BaseModel):
    """How shopper messages written while waiting reach their tickets (docs/reliability.md)."""

    model_config = ConfigDict(extra="forbid")

    # Rasa's SQL event broker table (endpoints.yml `event_broker`), read after a cursor; None
    # polls every waiting shopper's tracker instead (cost grows with the open tickets)
    event_broker_url: str | None = Field(default_factory=lambda: DEFAULT_EVENT_BROKER_URL)
    # a full read of every open ticket's tracker, at start and then this often, in case a
    # broker row was missed; 0 only when the broker table does not answer
    reconcile_minutes: Annotated[float, Field(ge=0)] = 5
    # while the broker table does not answer, trackers are read this often instead
    fallback_seconds: Annotated[float, Field(gt=0)] = 5
    # rows already read are deleted (they hold what shoppers wrote: README "Privacy"); keep
    # them only when something else reads the table too
    delete_read_events: bool = True


class VideoStore(BaseModel):
    """A physical store whose staff take video calls in its own opening hours."""

    model_config = ConfigDict(extra="forbid")

    name: dict[Language, Annotated[str, Field(min_length=1, max_length=100)]]
    hours: OpeningHours

    @model_validator(mode="after")
    def _every_language(self) -> VideoStore:
        missing = [lang for lang in LANGUAGES if lang not in self.name]
        if missing:
            raise ValueError(f"name: add the store's name in {', '.join(missing)}")
        return self


class VideoSettings(BaseModel):
    """The video call link an agent sends (README "Help for agents")."""

    model_config = ConfigDict(extra="forbid")

    # a room per ticket, e.g. https://meet.jit.si/faqbot-{ticket}; {ticket} is the ticket id
    url_template: Annotated[str, Field(pattern=r"^https://[^\s{}]+(\{ticket\}[^\s{}]*)*$")]
    # within its hours the invitation names the store (e.g. a clerk showing products)
    store: VideoStore | None = None

    def url(self, ticket_id: int) -> str:
        """The call's address for ``ticket_id``."""
        return self.url_template.replace("{ticket}", str(ticket_id))


class ForecastSettings(BaseModel):
    """The staffing forecast (`faqbot forecast`, README "Staffing forecast")."""

    model_config = ConfigDict(extra="forbid")

    # the service level to staff for: this share of chats claimed within answer_seconds
    service_level: Annotated[float, Field(gt=0, lt=1)] = 0.8
    answer_seconds: Annotated[float, Field(gt=0)] = 60
    # agents who can be in the console at the same time; None: the number of agent accounts
    team_size: Annotated[int, Field(ge=0)] | None = None
    # how many weeks of tickets the forecast learns from
    history_weeks: Annotated[int, Field(ge=1, le=104)] = 8
    # claim → close time when no ticket has been claimed and closed yet
    default_handling_minutes: Annotated[float, Field(gt=0)] = 8


class HandoffSettings(BaseModel):
    """Everything configurable about escalation and the agent side."""

    model_config = ConfigDict(extra="forbid")

    database_url: str = "sqlite:///.faqbot/handoff.db"
    rasa_url: str = "http://127.0.0.1:5005"
    domain_file: FilePath = Path("domain.yml")
    # where new escalations go: the built-in agent console or a name under ``backends``
    backend: str = CONSOLE
    opening_hours: OpeningHours = Field(default_factory=OpeningHours.always)
    # what happens within opening hours when no agent has the console open:
    # "offline" takes an email address, "queue" lets the shopper wait for the next agent
    when_no_agent_online: Literal["offline", "queue"] = "offline"
    agent_online_seconds: Annotated[float, Field(gt=0)] = 90
    # expected wait per position in the queue when there is no recent history
    default_wait_minutes: Annotated[float, Field(gt=0)] = 3
    overflow: OverflowSettings | None = None
    backends: dict[str, BackendConfig] = Field(default_factory=dict)
    session_hours: Annotated[float, Field(gt=0)] = 12
    # the session cookie's Secure flag: "auto" sets it unless the console is reached over plain
    # http on this machine (http://127.0.0.1, localhost); "always" and "never" force it
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    limits: LimitSettings = Field(default_factory=LimitSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    # the console's "send a video call link"; without it the button is not shown
    video: VideoSettings | None = None

    forecast: ForecastSettings = Field(default_factory=ForecastSettings)

    @model_validator(mode="after")
    def _backends_exist(self) -> HandoffSettings:
        names = [self.backend] + ([self.overflow.backend] if self.overflow else [])
        for name in names:
            if name != CONSOLE and name not in self.backends:
                known = ", ".join([CONSOLE, *self.backends]) or CONSOLE
                raise ValueError(f"backend {name!r} is not defined under backends (known: {known})")
        return self


def handoff_config_path() -> Path:
    """``$FAQBOT_HANDOFF_CONFIG`` or ``handoff.yml`` in the working directory."""
    return Path(os.environ.get("FAQBOT_HANDOFF_CONFIG", "handoff.yml"))


def load_handoff_settings(path: Path | None = None) -> HandoffSettings:
    """Load ``handoff.yml`` (defaults when missing), then apply environment overrides.

    Raises:
        HandoffConfigError: listing every problem with ``file:line:col``.
    """
    path = path or handoff_config_path()
    base = Path.cwd()
    if path.exists():
        doc = read_yaml(path)
        loaded = validate(doc, HandoffSettings)
        if loaded is None or doc.problems:  # duplicate keys too
            raise HandoffConfigError("\n".join(doc.problems))
        settings, base = loaded, path.parent.resolve()
    else:
        settings = HandoffSettings()
    updates: dict[str, object] = {}
    if url := os.environ.get("FAQBOT_DATABASE_URL"):
        updates["database_url"] = url
    if url := os.environ.get("RASA_URL"):
        updates["rasa_url"] = url
    if (broker := os.environ.get("FAQBOT_EVENT_BROKER_URL")) is not None:
        url = broker.strip()  # "none" (or empty): no broker, trackers are polled
        sync = settings.sync.model_copy(
            update={"event_broker_url": None if url.lower() in ("", "none") else url}
        )
        updates["sync"] = sync
    secure = os.environ.get("FAQBOT_SECURE_COOKIES", "").strip().lower()
    if secure:
        choices = {"1": "always", "0": "never", "always": "always", "never": "never"}
        if secure not in {**choices, "auto": "auto"}:
            raise HandoffConfigError(
                f"FAQBOT_SECURE_COOKIES={secure!r}: use 1 (always), 0 (never) or auto"
            )
        updates["secure_cookies"] = choices.get(secure, "auto")
    if not settings.domain_file.is_absolute():
        updates["domain_file"] = (base / settings.domain_file).resolve()
    settings = settings.model_copy(update=updates)
    # a relative SQLite path is relative to the config file, like every other path
    settings = settings.model_copy(update={"database_url": _anchored(settings.database_url, base)})
    if settings.sync.event_broker_url is not None:
        broker = _anchored(settings.sync.event_broker_url, base)
        sync = settings.sync.model_copy(update={"event_broker_url": broker})
        settings = settings.model_copy(update={"sync": sync})
    return settings


def _anchored(url: str, base: Path) -> str:
    """``url`` with a relative SQLite path made relative to ``base``."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return f"sqlite:///{base / url.removeprefix('sqlite:///')}"
    return url
