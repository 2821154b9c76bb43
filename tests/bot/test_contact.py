from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import contact
from bot.contact import find_email, find_postal_code, find_proof, is_valid_email
from tests.deadline import finishes


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


# -- any text, any length -----------------------------------------------------------------------

# The pattern as it was: the reference for which addresses are found (findall's semantics).
_REFERENCE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Text made of what addresses are made of, so that hypothesis builds near-addresses often.
_ADDRESSY = st.text(alphabet="ab1.-+'_%@ xÄé\n", max_size=60)


@given(st.one_of(_ADDRESSY, st.text()))
def test_finds_the_same_addresses_as_the_plain_pattern(text: str) -> None:
    assert contact._addresses(text) == _REFERENCE.findall(text)


@given(st.one_of(_ADDRESSY, st.text()))
def test_a_found_address_is_in_the_text_and_valid(text: str) -> None:
    found = find_email(text)
    if found is not None:
        local, domain = found.rsplit("@", 1)
        assert f"{local}@" in text and domain in text.lower()
        assert is_valid_email(found)
    assert is_valid_email(text) is (_REFERENCE.fullmatch(text) is not None and found == text)


@given(st.one_of(st.text(alphabet="0123 45-6789\n", max_size=40), st.text()))
def test_a_postal_code_found_is_one_of_the_texts_numbers(text: str) -> None:
    code = find_postal_code(text)
    assert code is None or (code in text and code.replace(" ", "").isdigit())
    assert find_proof(text) == (find_email(text) or code)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,  # one long run without "@": every start used to scan to its end
        "a." * 100_000,
        "a@" + "b" * 200_000,
        "a@b" + ".c" * 100_000 + "1",
        "x " * 100_000,
    ],
    ids=["letters", "dots", "long-domain", "many-labels", "words"],
)
def test_reading_a_huge_message_takes_linear_time(text: str) -> None:
    assert finishes(find_proof, text)
    assert finishes(is_valid_email, text)
