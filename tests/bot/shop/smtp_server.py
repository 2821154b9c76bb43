"""A tiny SMTP server for tests (stdlib only): it keeps every message it is given."""

from __future__ import annotations

import base64
import email
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default


@dataclass
class Mail:
    """One message as it arrived."""

    sender: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        """The parsed message (headers decoded)."""
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpState:
    """What the server received, and which recipients it refuses."""

    host: str = "127.0.0.1"
    port: int = 0
    mails: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


@contextmanager
def smtp_server() -> Iterator[SmtpState]:
    """Run the server on a free local port while the block runs."""
    state = SmtpState()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self._say("220 localhost faqbot test SMTP")
            sender, recipients = "", list[str]()
            while line := self.rfile.readline():
                command = line.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, rest = command.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    self._say("250-localhost", "250-8BITMIME", "250-AUTH PLAIN", "250 SMTPUTF8")
                elif verb == "HELO":
                    self._say("250 localhost")
                elif verb == "AUTH":
                    _, _, token = rest.partition(" ")
                    _, user, password = base64.b64decode(token).decode().split("\0")
                    state.logins.append((user, password))
                    self._say("235 2.7.0 Authentication successful")
                elif verb == "MAIL":
                    sender, recipients = _address(rest), []
                    self._say("250 OK")
                elif verb == "RCPT":
                    address = _address(rest)
                    if address in state.refuse:
                        self._say("550 5.1.1 No such user")
                    else:
                        recipients.append(address)
                        self._say("250 OK")
                elif verb == "DATA":
                    self._say("354 End data with <CR><LF>.<CR><LF>")
                    state.mails.append(Mail(sender, recipients, self._data()))
                    self._say("250 OK queued")
                elif verb in ("RSET", "NOOP"):
                    self._say("250 OK")
                elif verb == "QUIT":
                    self._say("221 Bye")
                    return
                else:
                    self._say("502 Command not implemented")

        def _data(self) -> bytes:
            lines = []
            while (line := self.rfile.readline()) not in (b".\r\n", b""):
                lines.append(line[1:] if line.startswith(b"..") else line)
            return b"".join(lines)

        def _say(self, *lines: str) -> None:
            self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    state.port = server.server_address[1]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _address(argument: str) -> str:
    """``FROM:<a@b.fi> SIZE=12`` → ``a@b.fi``."""
    return argument.partition("<")[2].partition(">")[0]
