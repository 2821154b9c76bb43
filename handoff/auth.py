"""Agent passwords (scrypt) and login sessions (random tokens, stored hashed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from handoff.errors import AuthError
from handoff.store import Store

# scrypt parameters (RFC 7914 recommends N=2**14..2**20 for interactive logins); stored per hash
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10


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
