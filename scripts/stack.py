"""Start and stop faqbot's processes (action server, Rasa, chat page) for `make run`, tests, bench.

Standard library only: it runs from the project's .venv but must not depend on the library.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".faqbot"


def measurement_config(state: Path) -> Path:
    """The project's handoff.yml with the flood limits lifted, written into ``state``.

    An evaluation escalates hundreds of new conversations within minutes; the burst guard
    would answer most of them with the phone number instead, and the figures would be wrong.
    """
    path = state / "handoff.yml"
    text = (ROOT / "handoff.yml").read_text(encoding="utf-8")
    lifted = "{tickets_per_client: 1000000, burst_tickets: 1000000}"
    domain = json.dumps(str(ROOT / "domain.yml"))  # a JSON string is a YAML string
    path.write_text(
        f"{text}\n# for a measurement\ndomain_file: {domain}\nlimits: {lifted}\n", encoding="utf-8"
    )
    return path


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the parent dies (Linux), so a killed test
    run or benchmark never leaves servers behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def auth_token() -> str:
    """RASA_AUTH_TOKEN, or a random token generated once and kept in .faqbot/rasa-token."""
    if token := os.environ.get("RASA_AUTH_TOKEN"):
        return token
    path = STATE / "rasa-token"
    if not path.exists():
        STATE.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def rasa_model() -> Path:
    """The trained model recorded by scripts/setup.sh."""
    current = ROOT / "models" / "current"
    if not current.exists():
        raise RuntimeError("no trained Rasa model: run `make setup` first")
    return ROOT / current.read_text().strip()


@dataclass
class Service:
    """One child process, where it logs, and how to start it again."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """The running processes and their ports."""

    rasa_port: int
    actions_port: int
    token: str
    log_dir: Path
    tracker_db: Path
    faq_dir: Path | None = None
    # the handoff service (agent console); None leaves it out
    handoff_port: int | None = None
    # FAQBOT_DATABASE_URL of the tickets (default: handoff.yml's, a SQLite file in .faqbot/)
    database_url: str | None = None
    handoff_config: Path | None = None
    # the Rasa model archive (default: the one `make setup` trained, see rasa_model())
    model: Path | None = None
    # Rasa's endpoints file (endpoints-scaled.yml for the scale-out mode, scripts/scaled.py)
    endpoints: str = "endpoints.yml"
    services: list[Service] = field(default_factory=list)

    @property
    def events_db(self) -> Path:
        """Rasa's SQL event broker database, next to the tracker store."""
        return self.tracker_db.with_name("events.db")

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def handoff_url(self) -> str:
        """Base URL of the handoff service (agent console)."""
        return f"http://127.0.0.1:{self.handoff_port}"

    def environment(self) -> dict[str, str]:
        """The environment every child gets."""
        env = dict(os.environ)
        env.update(
            RASA_TELEMETRY_ENABLED="false",
            ACTIONS_PORT=str(self.actions_port),
            FAQBOT_TRACKER_DB=str(self.tracker_db),
            # Rasa's SQL event broker (endpoints.yml), read by the handoff service
            FAQBOT_EVENT_BROKER_DB=str(self.events_db),
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_URL=self.rasa_url,
            RASA_AUTH_TOKEN=self.token,
        )
        # failed order proofs (bot/shop/attempts.py) are kept with the conversations
        env.setdefault(
            "FAQBOT_ORDER_ATTEMPTS_DB", str(self.tracker_db.with_name("order-attempts.db"))
        )
        env.setdefault("FAQBOT_EVENT_BROKER_URL", f"sqlite:///{self.events_db}")
        if self.faq_dir is not None:
            env["FAQBOT_FAQ_DIR"] = str(self.faq_dir)
        if self.database_url is not None:
            env["FAQBOT_DATABASE_URL"] = self.database_url
        if self.handoff_config is not None:
            env["FAQBOT_HANDOFF_CONFIG"] = str(self.handoff_config)
        return env

    def start(self, timeout: float = 300.0) -> None:
        """Start the action server, Rasa and the handoff service; return when all answer.

        Stops all on failure.
        """
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        try:
            if self.handoff_port is not None:
                self.start_handoff(env)
            self.start_actions(env)
            self.start_rasa(env)
            self._wait_until_up(timeout)
        except BaseException:
            self.stop()
            raise

    def start_actions(
        self,
        env: dict[str, str] | None = None,
        wait: bool = False,
        port: int | None = None,
        name: str = "actions",
    ) -> None:
        """Start (or, after :meth:`stop_service`, restart) the action server."""
        port = port or self.actions_port
        self._spawn(
            name,
            [str(ROOT / ".venv/bin/python"), "-m", "actions", "--port", str(port)],
            env or self.environment(),
        )
        if wait:
            self._wait_until_up(120.0)

    def start_rasa(
        self,
        env: dict[str, str] | None = None,
        wait: bool = False,
        port: int | None = None,
        name: str = "rasa",
    ) -> None:
        """Start (or, after :meth:`stop_service`, restart) the Rasa server."""
        self._spawn(
            name,
            [
                # `rasa run`, with channels.actions_down's fallback for a failed custom action
                str(ROOT / ".venv-rasa/bin/python"),
                "-m",
                "channels.server",
                "run",
                "--model",
                str(self.model or rasa_model()),
                "--enable-api",
                "--auth-token",
                self.token,
                "--interface",
                "127.0.0.1",
                "--port",
                str(port or self.rasa_port),
                "--cors",
                "*",
                "--endpoints",
                self.endpoints,
                "--credentials",
                "credentials.yml",
            ],
            env or self.environment(),
        )
        if wait:
            self._wait_until_up(300.0)

    def start_handoff(self, env: dict[str, str] | None = None, wait: bool = False) -> None:
        """Start (or, after :meth:`stop_service`, restart) the handoff service."""
        self._spawn(
            "handoff",
            [
                str(ROOT / ".venv/bin/faqbot"),
                "handoff",
                "serve",
                "--port",
                str(self.handoff_port),
            ],
            env or self.environment(),
        )
        if wait:
            self._wait_until_up(60.0)

    def stop_service(self, name: str) -> None:
        """Stop one child (to test restarts); its ``start_*`` method brings it back."""
        for service in [s for s in self.services if s.name == name]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.process.pid, signal.SIGTERM)
            service.process.wait(timeout=30)
            self.services.remove(service)

    def restart(self, name: str) -> Service:
        """Start a service whose process has exited again, with the same command (supervisor)."""
        (old,) = [s for s in self.services if s.name == name]
        if old.process.poll() is None:
            raise RuntimeError(f"{name} is still running")
        self.services.remove(old)
        return self._spawn(name, old.command, old.env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Service:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        service = Service(name, process, log_path, command, env)
        self.services.append(service)
        return service

    def health_urls(self) -> dict[str, str]:
        """The URL that answers 200 when each running service is up."""
        checks = {"actions": f"{self.actions_url}/health", "rasa": f"{self.rasa_url}/"}
        if self.handoff_port is not None:
            checks["handoff"] = f"{self.handoff_url}/health"
        return {
            name: url for name, url in checks.items() if any(s.name == name for s in self.services)
        }

    def is_up(self, name: str) -> bool:
        """Whether the service answers its health check right now."""
        return _answers(self.health_urls()[name])

    def _wait_until_up(self, timeout: float) -> None:
        checks = self.health_urls()
        deadline = time.monotonic() + timeout
        pending = dict(checks)
        while pending:
            for service in self.services:
                if service.process.poll() is not None:
                    raise RuntimeError(
                        f"{service.name} exited with code {service.process.returncode}:\n"
                        f"{service.log_tail()}"
                    )
            for name, url in list(pending.items()):
                if _answers(url):
                    del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"not up after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(0.5)

    def dead(self) -> list[Service]:
        """Services whose process has exited."""
        return [s for s in self.services if s.process.poll() is not None]

    def stop(self) -> None:
        """Terminate every child (and its children), then wait for them."""
        for service in self.services:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.process.pid, signal.SIGTERM)
        for service in self.services:
            try:
                service.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()
        self.services.clear()

    def send(self, sender: str, message: str, timeout: float = 30.0) -> list[dict[str, object]]:
        """Send one message through the REST channel; returns the bot's messages."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return list(json.loads(response.read()))

    def tracker(self, sender: str) -> dict[str, object]:
        """The conversation's tracker through the HTTP API (uses the auth token)."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return dict(json.loads(response.read()))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def serve_chat_page(port: int, rasa_url: str) -> http.server.ThreadingHTTPServer:
    """Serve web/ (the chat page, the widget, the demo shop) and /config.json (where Rasa runs,
    read by the widget) on 127.0.0.1:port in a daemon thread."""
    web = ROOT / "web"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/config.json":
                body = json.dumps({"rasaUrl": rasa_url}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Handler, directory=str(web))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
