"""The scale-out mode (`make run-scaled`, README "Scale-out mode"): N Rasa servers and M action
servers behind HAProxy, sharing a PostgreSQL tracker store and event broker and a Redis lock
store; the handoff service keeps its tickets in PostgreSQL too.

HAProxy round-robins REST requests and the Rasa HTTP API over the Rasa servers (the Redis lock
store serialises a conversation's turns, whichever server takes them), keeps a socket.io client
on one server (``balance source``: its polling requests must reach the server that holds its
session) and round-robins custom actions over the action servers (stateless). Every answer
carries ``X-Faqbot-Server``, the server that handled it.

Standard library only, except psycopg (in the project's .venv) to create the databases.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

try:  # run by scripts/run_scaled.py (scripts/ on sys.path) or imported by the tests
    from stack import Stack, free_port
except ModuleNotFoundError:
    from scripts.stack import Stack, free_port

# the databases, as suffixes of the database name in the PostgreSQL URL: Rasa's tracker store
# and its SQL event broker both call their table `events`, so each needs its own database
DATABASES = ("tracker", "events", "tickets")
# the name suffix of a server's unchecked backup entry in HAProxy (see haproxy_config)
UNCHECKED = "-unchecked"
# what the mode needs beyond `make setup`, and the Debian packages that bring it
PROGRAMS = {"redis-server": "redis-server", "haproxy": "haproxy"}


def missing_programs() -> list[str]:
    """The Debian packages to install for the programs that are not on PATH."""
    return [package for program, package in PROGRAMS.items() if not shutil.which(program)]


@dataclass
class ScaledStack(Stack):
    """``rasa_port`` and ``actions_port`` are the load balancer's; each server has its own."""

    # postgresql://user:password@host:port/NAME: the databases NAME_tracker, NAME_events and
    # NAME_tickets, created when missing (the role needs CREATEDB for that)
    postgres_url: str = ""
    # redis://[:password@]host:port/db; None starts a redis-server of its own on a free port
    redis_url: str | None = None
    rasa_servers: int = 2
    action_servers: int = 2
    endpoints: str = "endpoints-scaled.yml"
    rasa_ports: list[int] = field(default_factory=list)
    action_ports: list[int] = field(default_factory=list)
    _own_redis: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not self.postgres_url.startswith("postgresql://"):
            raise ValueError("postgres_url must be a postgresql:// URL")
        if self.rasa_servers < 1 or self.action_servers < 1:
            raise ValueError("at least one Rasa server and one action server")
        self.rasa_ports = self.rasa_ports or [free_port() for _ in range(self.rasa_servers)]
        self.action_ports = self.action_ports or [free_port() for _ in range(self.action_servers)]
        if self.redis_url is None:
            self.redis_url = f"redis://127.0.0.1:{free_port()}/1"
            self._own_redis = True

    def pg_url(self, name: str) -> str:
        """The URL of one of :data:`DATABASES`."""
        parts = urlsplit(self.postgres_url)
        base = parts.path.strip("/") or "faqbot"
        return urlunsplit(parts._replace(path=f"/{base}_{name}"))

    def environment(self) -> dict[str, str]:
        """Stack's environment, plus what endpoints-scaled.yml and the handoff service read."""
        env = super().environment()
        pg = urlsplit(self.postgres_url)
        redis = urlsplit(self.redis_url or "")
        env.update(
            FAQBOT_PG_HOST=pg.hostname or "127.0.0.1",
            FAQBOT_PG_PORT=str(pg.port or 5432),
            FAQBOT_PG_USER=unquote(pg.username or ""),
            FAQBOT_PG_PASSWORD=unquote(pg.password or ""),
            FAQBOT_PG_TRACKER_DB=_name(self.pg_url("tracker")),
            FAQBOT_PG_EVENTS_DB=_name(self.pg_url("events")),
            FAQBOT_EVENT_BROKER_URL=self.pg_url("events"),
            # the tracker store as the handoff service's retention purge and insights read it
            FAQBOT_TRACKER_URL=self.pg_url("tracker"),
            FAQBOT_DATABASE_URL=self.database_url or self.tickets_url,
            FAQBOT_REDIS_HOST=redis.hostname or "127.0.0.1",
            FAQBOT_REDIS_PORT=str(redis.port or 6379),
            FAQBOT_REDIS_DB=redis.path.strip("/") or "0",
            FAQBOT_REDIS_PASSWORD=unquote(redis.password or ""),
            # an agent's reply reaches the shopper's socket on any server (channels/socketio.py)
            FAQBOT_SOCKETIO_REDIS_URL=self.redis_url or "",
            # a Messenger webhook delivered again to another server is skipped there too
            FAQBOT_REDIS_URL=self.redis_url or "",
        )
        return env

    @property
    def tickets_url(self) -> str:
        """The handoff service's database."""
        return self.pg_url("tickets")

    def ensure_databases(self) -> None:
        """Create the databases that do not exist yet.

        Raises:
            RuntimeError: PostgreSQL cannot be reached or refuses (the message has no password).
        """
        import psycopg

        try:
            with psycopg.connect(self.postgres_url, dbname="postgres", autocommit=True) as conn:
                for name in DATABASES:
                    database = _name(self.pg_url(name))
                    exists = conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as exc:
            pg = urlsplit(self.postgres_url)
            raise RuntimeError(
                f"PostgreSQL at {pg.hostname}:{pg.port or 5432} as {pg.username}: {exc} "
                "(FAQBOT_SCALE_POSTGRES_URL; the role needs CREATEDB, or create the databases "
                f"{', '.join(_name(self.pg_url(n)) for n in DATABASES)} yourself)"
            ) from None

    def drop_databases(self) -> None:
        """Drop the databases (tests)."""
        import psycopg

        with psycopg.connect(self.postgres_url, dbname="postgres", autocommit=True) as conn:
            for name in DATABASES:
                database = _name(self.pg_url(name))
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def start(self, timeout: float = 600.0) -> None:
        """Redis (unless external), HAProxy, the handoff service, the action servers and the
        Rasa servers; return when all answer. Stops all on failure."""
        if missing := missing_programs():
            raise RuntimeError(
                f"the scale-out mode needs {', '.join(missing)}: "
                f"apt-get install {' '.join(missing)}"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        deadline = time.monotonic() + timeout
        try:
            self.ensure_databases()
            if self._own_redis:
                self.start_redis(env)
            self._spawn("haproxy", ["haproxy", "-db", "-f", str(self.write_haproxy_config())], env)
            if self.handoff_port is not None:
                self.start_handoff(env)
            for number, port in enumerate(self.action_ports, 1):
                self.start_actions(env, port=port, name=f"actions-{number}")
            # the first server creates the tables; servers starting together would race on it
            self.start_rasa(env, port=self.rasa_ports[0], name="rasa-1")
            self._wait_until_up(deadline - time.monotonic())
            for number, port in enumerate(self.rasa_ports[1:], 2):
                self.start_rasa(env, port=port, name=f"rasa-{number}")
            self._wait_until_up(deadline - time.monotonic())
            self._wait_until_balanced(deadline)
        except BaseException:
            self.stop()
            raise

    def _wait_until_balanced(self, deadline: float) -> None:
        """Until HAProxy's health checks have found every server up: each answers through it."""
        expected = {
            f"{self.rasa_url}/": {f"rasa-{n}" for n in range(1, len(self.rasa_ports) + 1)},
            f"{self.actions_url}/health": {
                f"actions-{n}" for n in range(1, len(self.action_ports) + 1)
            },
        }
        for url, names in expected.items():
            seen: set[str] = set()
            while not names <= seen:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"HAProxy sends {url} only to {sorted(seen)}")
                with (
                    contextlib.suppress(urllib.error.URLError, OSError),
                    urllib.request.urlopen(url, timeout=2) as response,
                ):
                    seen.add(server_name(response.headers.get("X-Faqbot-Server", "")))
                time.sleep(0.1)

    def start_redis(self, env: dict[str, str] | None = None) -> None:
        """A redis-server of its own: no persistence (locks live for seconds)."""
        port = urlsplit(self.redis_url or "").port or 6379
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
        self._spawn("redis", [*command, "--save", "", "--appendonly", "no"], env or {})
        deadline = time.monotonic() + 30
        while not _listens(port):
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server does not answer on port {port}")
            time.sleep(0.2)

    def write_haproxy_config(self) -> Path:
        """haproxy.cfg in the log folder."""
        path = self.log_dir / "haproxy.cfg"
        path.write_text(haproxy_config(self), encoding="utf-8")
        return path

    def health_urls(self) -> dict[str, str]:
        """Each running server's health URL (Redis is checked when it starts)."""
        checks = {f"rasa-{n}": f"http://127.0.0.1:{p}/" for n, p in enumerate(self.rasa_ports, 1)}
        for number, port in enumerate(self.action_ports, 1):
            checks[f"actions-{number}"] = f"http://127.0.0.1:{port}/health"
        if self.handoff_port is not None:
            checks["handoff"] = f"{self.handoff_url}/health"
        running = {s.name for s in self.services}
        return {name: url for name, url in checks.items() if name in running}

    def server_url(self, name: str) -> str:
        """The URL of one Rasa server (``rasa-1``...), past the balancer."""
        number = int(name.removeprefix("rasa-"))
        return f"http://127.0.0.1:{self.rasa_ports[number - 1]}"


def haproxy_config(stack: ScaledStack) -> str:
    """HAProxy: Rasa (REST round-robin, socket.io sticky by client address) and actions."""

    def servers(kind: str, ports: list[int]) -> str:
        lines = ["http-response set-header X-Faqbot-Server %s"]  # who handled the request
        lines += [f"server {kind}-{n} 127.0.0.1:{p} check" for n, p in enumerate(ports, 1)]
        # A server busy with a burst can miss its health checks; with every server marked down
        # HAProxy would answer 503 and the shopper's message would be lost. These unchecked
        # backups take the traffic then (a really dead one refuses the connection, and the
        # request goes to the next).
        lines += [
            f"server {kind}-{n}{UNCHECKED} 127.0.0.1:{p} backup" for n, p in enumerate(ports, 1)
        ]
        return "\n".join(f"    {line}" for line in lines)

    rasa = servers("rasa", stack.rasa_ports)

    return f"""\
global
    maxconn 4096

defaults
    mode http
    option forwardfor
    # only a request that never reached a server is sent again: nothing runs twice
    retries 3
    option redispatch
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    timeout check 10s
    default-server inter 2s fall 3 rise 2

frontend rasa
    bind 127.0.0.1:{stack.rasa_port}
    use_backend rasa_socketio if {{ path_beg /socket.io }}
    default_backend rasa_rest

backend rasa_rest
    balance roundrobin
    option httpchk GET /
    option allbackups
{rasa}

backend rasa_socketio
    # polling requests must reach the server holding the session
    balance source
    hash-type consistent
    option httpchk GET /
    option allbackups
{rasa}

frontend actions
    bind 127.0.0.1:{stack.actions_port}
    default_backend actions

backend actions
    balance roundrobin
    option httpchk GET /health
    option allbackups
{servers("actions", stack.action_ports)}
"""


def server_name(header: str) -> str:
    """The server an ``X-Faqbot-Server`` header names (``rasa-1``, ``actions-2``...)."""
    return header.removesuffix(UNCHECKED)


def _name(url: str) -> str:
    return urlsplit(url).path.strip("/")


def _listens(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
