from __future__ import annotations

import pytest

from handoff.auth import Sessions, check_password, hash_password
from handoff.errors import AuthError
from handoff.store import Store


def test_password_hash_round_trip_and_salt() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second  # salted
    assert first.startswith("scrypt$")
    assert check_password("correct horse", first)
    assert not check_password("correct horsf", first)
    assert not check_password("x", "garbage")


def test_sessions_login_and_logout(store: Store) -> None:
    store.add_agent("anna", hash_password("a long password"))
    sessions = Sessions(store, hours=1)
    with pytest.raises(AuthError):
        sessions.login("anna", "wrong password")
    with pytest.raises(AuthError):
        sessions.login("nobody", "a long password")
    token, csrf = sessions.login("anna", "a long password")
    assert sessions.agent_for(token) == ("anna", csrf)
    sessions.logout(token)
    with pytest.raises(AuthError):
        sessions.agent_for(token)


def test_new_password_ends_sessions(store: Store) -> None:
    store.add_agent("anna", hash_password("a long password"))
    sessions = Sessions(store, hours=1)
    token, _ = sessions.login("anna", "a long password")
    assert store.add_agent("anna", hash_password("another password")) is False
    with pytest.raises(AuthError):
        sessions.agent_for(token)
