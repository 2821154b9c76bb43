"""Agent passwords (scrypt), login sessions (random tokens, stored hashed), login throttling
(back-off per name and address, a cap per address) and presence (whose console is open)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from handoff.errors import AuthError
from handoff.store import Store

# OWASP's Password Storage Cheat Sheet: scrypt with N=2**17, r=8 (1024-byte blocks), p=1 at least.
# Stored per hash; a login with an older hash rehashes it with these.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MIN_PASSWORD_LENGTH = 10
# one scrypt run needs 128 * N * r bytes (128 MiB): at most this many run at once, so a burst of
# logins queues instead of exhausting memory
SCRYPT_AT_ONCE = 2
_scrypt_slots = threading.BoundedSemaphore(SCRYPT_AT_ONCE)
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16  # a stored hash beyond these is refused, not computed


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """scrypt with room for its memory (OpenSSL's default cap is 32 MiB)."""
    if not (1 < n <= _MAX_N and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
        raise ValueError("scrypt parameters out of range")
    with _scrypt_slots:
        return hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=dklen,
            maxmem=128 * r * (n + p + 2) + 1024 * 1024,
        )


def _encode(n: int, r: int, p: int, salt: bytes, digest: bytes) -> str:
    encode = base64.urlsafe_b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` with a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32)
    return _encode(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt, digest)


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison against a stored hash (one scrypt run)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = _scrypt(
            password, base64.urlsafe_b64decode(salt), int(n), int(r), int(p), len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash uses other parameters than :data:`SCRYPT_N` etc. (older, weaker)."""
    return stored.split("$")[:4] != ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


def _no_such_agent() -> str:
    """A hash with today's parameters that no password matches: checking it costs what
    checking a real agent's password costs, so timing does not tell which names exist."""
    return _encode(SCRYPT_N, SCRYPT_R, SCRYPT_P, secrets.token_bytes(16), secrets.token_bytes(32))


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
        # exactly one scrypt run whether or not the name exists
        ok = check_password(password, stored or _no_such_agent())
        if stored is None or not ok:
            raise AuthError("wrong name or password")
        if needs_rehash(stored):  # the password is at hand only now: upgrade the old hash
            self.store.replace_password_hash(name, stored, hash_password(password))
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


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class LoginThrottle:
    """Slow down password guessing without locking the real agent out (per process).

    Failures count per (name, client address): the first ``free`` cost nothing, each further
    one doubles the wait before that pair may try again (from 1 s up to ``max_delay``), and
    a success forgets them. An agent logging in from another address is never affected. Per
    client address, ``per_client`` failures within ``window`` seconds, whatever the names,
    block that address until the oldest ages out. Memory is bounded: at most ``max_entries``
    pairs and addresses each (the least recently failed go first), and entries expire.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        free: int = 5,
        max_delay: float = 900.0,
        per_client: int = 30,
        window: float = 600.0,
        max_entries: int = 10_000,
    ) -> None:
        self.clock, self.free, self.max_delay = clock, free, max_delay
        self.per_client, self.window, self.max_entries = per_client, window, max_entries
        self._pairs: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Entries held (pairs and client addresses), for memory checks."""
        with self._lock:
            return len(self._pairs) + len(self._clients)

    def wait_seconds(self, name: str, client: str) -> float:
        """How long ``client`` must wait before trying ``name`` again (0: go ahead)."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            waits = [0.0]
            failures = self._pairs.get((name, client))
            if failures is not None and failures.count >= self.free:
                delay = min(self.max_delay, 2.0 ** (failures.count - self.free))
                waits.append(failures.last + delay - now)
            recent = self._clients.get(client)
            if recent is not None and len(recent) >= self.per_client:
                waits.append(recent[0] + self.window - now)
            return max(waits)

    def failed(self, name: str, client: str) -> None:
        """Count a failed login."""
        now = self.clock()
        with self._lock:
            failures = self._pairs.pop((name, client), None) or _Failures()
            failures.count, failures.last = failures.count + 1, now
            self._pairs[(name, client)] = failures
            recent = self._clients.pop(client, None) or deque(maxlen=self.per_client)
            recent.append(now)
            self._clients[client] = recent
            while len(self._pairs) > self.max_entries:
                self._pairs.popitem(last=False)
            while len(self._clients) > self.max_entries:
                self._clients.popitem(last=False)

    def succeeded(self, name: str, client: str) -> None:
        """Forget the pair's failures (the address's count across names stays)."""
        with self._lock:
            self._pairs.pop((name, client), None)

    def _expire(self, now: float) -> None:
        """Drop entries whose last failure is older than any wait they could still cause."""
        keep = max(self.window, self.max_delay)
        while self._pairs and next(iter(self._pairs.values())).last < now - keep:
            self._pairs.popitem(last=False)
        while self._clients and next(iter(self._clients.values()))[-1] < now - self.window:
            self._clients.popitem(last=False)


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
