from __future__ import annotations

import pytest

from bot.contact import find_email, find_postal_code, find_proof, is_valid_email


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("matti.meikalainen@example.FI", "matti.meikalainen@example.fi"),
        ("se on anna+kaira@posti.example.com kiitos", "anna+kaira@posti.example.com"),
        ("min adress: sven@exempel.se", "sven@exempel.se"),
        ("Aino.Virtanen@Example.com.", "Aino.Virtanen@example.com"),  # full stop after it
    ],
)
def test_finds_one_email_address(text: str, expected: str) -> None:
    assert find_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "matti",
        "matti@",
        "matti@example",
        "a@b.c",
        "a@x.fi ja b@y.fi",
        "ma..tti@x.fi",
        ".m@x.fi",
    ],
)
def test_rejects_what_is_not_one_address(text: str) -> None:
    assert find_email(text) is None


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("maija@example.fi", True),
        ("maija.m+kaira@posti.example.fi", True),
        ("", False),
        ("maija", False),
        ("maija@", False),
        ("maija@kaira", False),
        ("maija meikäläinen@example.fi", False),
        ("maija@example.fi\nBcc: all@example.fi", False),
        ("Maija <maija@example.fi>", False),
        ("a@b.fi, c@d.fi", False),
        ("m@" + "x" * 250 + ".fi", False),  # longer than any mailbox can be
    ],
)
def test_a_valid_address_is_exactly_one_address(text: str, valid: bool) -> None:
    assert is_valid_email(text) is valid


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("33100", "33100"),
        ("postinumero 33 100", "33 100"),
        ("postnummer 123 45.", "123 45"),
        ("tilaus 100234", None),  # an order number is not a postal code
        ("00100 tai 33100", None),  # two: ask rather than guess
        ("en muista", None),
    ],
)
def test_postal_codes(text: str, code: str | None) -> None:
    assert find_postal_code(text) == code


@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("aino@example.com", "aino@example.com"),
        ("se on aino@example.com, postinumero 00100", "aino@example.com"),  # email first
        ("se on 00100", "00100"),
        ("33 100", "33 100"),
        ("en muista", None),
    ],
)
def test_proof_is_an_email_address_or_a_postal_code(text: str, proof: str | None) -> None:
    assert find_proof(text) == proof
