"""PostgreSQL databases of their own for a test session, created and dropped on the shared
test server (``FAQBOT_TEST_POSTGRES_URL``), so tables named like Rasa's (``events``) never meet
another engineer's or another test's tables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(scope="session")
def own_postgres_databases() -> Iterator[Callable[[str], str]]:
    """``database(name)``: the URL of a database of this session (created on first use), all
    dropped at the end. Skips (fails when CI requires PostgreSQL) without
    ``FAQBOT_TEST_POSTGRES_URL``."""
    url = os.environ.get("FAQBOT_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("FAQBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("FAQBOT_REQUIRE_POSTGRES=1 but FAQBOT_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set FAQBOT_TEST_POSTGRES_URL (CI does)")
    import psycopg

    prefix = f"faqbot_own_{uuid.uuid4().hex[:10]}"
    made: dict[str, str] = {}

    def database(name: str) -> str:
        if name not in made:
            made[name] = f"{prefix}_{name}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{made[name]}"')
        return urlunsplit(urlsplit(url)._replace(path=f"/{made[name]}"))

    try:
        yield database
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in made.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def own_postgres(own_postgres_databases: Callable[[str], str]) -> str:
    """The URL of one database of its own."""
    return own_postgres_databases("main")
