"""Agent passwords (scrypt), login sessions (random tokens, stored hashed), login throttling
and presence (whose console is open)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from handoff.errors import AuthError
from handoff.store import Store

# scrypt parameters (RFC 7914 recommends N=2**14..2**20 for interactive logins); stored per hash
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_SECONDS = 300.0


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` with a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison against a stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.urlsafe_b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Log agents in and out; the session token lives only in the agent's HttpOnly cookie."""

    def __init__(self, store: Store, hours: float) -> None:
        self.store = store
        self.hours = hours

    def login(self, name: str, password: str) -> tuple[str, str]:
        """Check the password; return (session token, CSRF token).

        Raises:
            AuthError: for an unknown agent or a wrong password (the same message for both).
        """
        stored = self.store.agent_password_hash(name)
        # hash even for unknown names, so timing does not tell which names exist
        ok = check_password(password, stored or hash_password("x" * MIN_PASSWORD_LENGTH))
        if stored is None or not ok:
            raise AuthError("wrong name or password")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.store.create_session(_token_hash(token), name, csrf, self.hours)
        return token, csrf

    def agent_for(self, token: str | None) -> tuple[str, str]:
        """(agent, CSRF token) of a live session.

        Raises:
            AuthError: when there is no such session or it expired.
        """
        found = self.store.session(_token_hash(token)) if token else None
        if found is None:
            raise AuthError("not logged in, or the session expired; log in again")
        return found

    def logout(self, token: str) -> None:
        """End a session."""
        self.store.delete_session(_token_hash(token))


class LoginThrottle:
    """Refuse logins for a name after repeated failures (per process)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        """Whether ``name`` failed too often recently."""
        with self._lock:
            recent = self._failures[name]
            while recent and recent[0] < time.monotonic() - LOGIN_WINDOW_SECONDS:
                recent.popleft()
            return len(recent) >= LOGIN_FAILURES_ALLOWED

    def failed(self, name: str) -> None:
        """Count a failure."""
        with self._lock:
            self._failures[name].append(time.monotonic())

    def succeeded(self, name: str) -> None:
        """Forget failures."""
        with self._lock:
            self._failures.pop(name, None)


class Presence:
    """Records that an agent's console is open, writing at most every 10 s per agent."""

    def __init__(self, store: Store, every: float = 10.0) -> None:
        self.store, self.every = store, every
        self._last: dict[str, float] = {}

    def seen(self, agent: str) -> None:
        """The agent's console polled just now."""
        now = time.monotonic()
        if now - self._last.get(agent, -self.every) >= self.every:
            self._last[agent] = now
            self.store.touch_agent(agent)
