from __future__ import annotations

import hashlib
from typing import Any

import pytest

from handoff import auth
from handoff.auth import LoginThrottle, Sessions, check_password, hash_password, needs_rehash
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


def test_new_hashes_use_owasps_scrypt_minimum(real_scrypt: int) -> None:
    stored = hash_password("correct horse")
    assert stored.split("$")[1:4] == [str(2**17), "8", "1"] and real_scrypt == 2**17
    assert check_password("correct horse", stored)  # 128 MiB: more than OpenSSL's default cap
    assert not needs_rehash(stored)


def _count_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The N of every scrypt run from now on."""
    runs: list[int] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        runs.append(kwargs["n"])
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return runs


def test_unknown_and_known_names_cost_the_same_one_scrypt_run(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_agent("anna", hash_password("a long password"))
    sessions = Sessions(store, hours=1)
    runs = _count_scrypt(monkeypatch)
    for name, password in (("nobody", "a long password"), ("anna", "wrong password")):
        with pytest.raises(AuthError):
            sessions.login(name, password)
    sessions.login("anna", "a long password")
    assert runs == [auth.SCRYPT_N] * 3


def test_an_older_hash_is_replaced_at_the_next_login(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "SCRYPT_N", 2**11)
    old = hash_password("a long password")
    monkeypatch.setattr(auth, "SCRYPT_N", 2**12)
    store.add_agent("anna", old)
    sessions = Sessions(store, hours=1)
    assert needs_rehash(old)
    with pytest.raises(AuthError):
        sessions.login("anna", "wrong password")
    assert store.agent_password_hash("anna") == old  # only the right password upgrades
    token, csrf = sessions.login("anna", "a long password")
    upgraded = store.agent_password_hash("anna")
    assert upgraded is not None and upgraded.split("$")[1] == str(2**12)
    assert check_password("a long password", upgraded)
    assert sessions.agent_for(token) == ("anna", csrf)  # the upgrade ends no session


def test_absurd_stored_parameters_are_refused_without_computing() -> None:
    assert not check_password("x", "scrypt$1073741824$8$1$c2FsdA==$ZGlnZXN0")


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttle_backs_off_per_name_and_address() -> None:
    clock = Seconds()
    throttle = LoginThrottle(clock, free=2, max_delay=8)
    for _ in range(2):
        assert throttle.wait_seconds("anna", "10.0.0.1") == 0
        throttle.failed("anna", "10.0.0.1")
    waits = []
    for _ in range(6):
        waits.append(throttle.wait_seconds("anna", "10.0.0.1"))
        clock.now += waits[-1]
        throttle.failed("anna", "10.0.0.1")
    assert waits == [1, 2, 4, 8, 8, 8]
    assert throttle.wait_seconds("anna", "10.0.0.2") == 0  # another address
    assert throttle.wait_seconds("bertil", "10.0.0.1") == 0  # another name
    clock.now += 8
    throttle.succeeded("anna", "10.0.0.1")
    assert throttle.wait_seconds("anna", "10.0.0.1") == 0


def test_throttle_memory_is_bounded_and_expires() -> None:
    clock = Seconds()
    throttle = LoginThrottle(clock, max_entries=1000, window=60, max_delay=60)
    for i in range(50_000):
        throttle.failed(f"name{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(throttle) <= 2000
    clock.now += 61
    throttle.wait_seconds("anna", "10.0.0.1")
    assert len(throttle) == 0
