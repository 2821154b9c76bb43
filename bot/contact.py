"""Email addresses and postal codes in what shoppers type (one pattern for every form).

Pragmatic, not RFC 5322: one @, a dot in the domain, no spaces; what a shop can mail to.
"""

from __future__ import annotations

import re

_LOCAL = r"[A-Za-z0-9._%+'-]"  # a character of an address's local part
_EMAIL = re.compile(rf"{_LOCAL}+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}}")
# the same, only where a run of local-part characters begins (see _addresses)
_EMAIL_AT_RUN = re.compile(rf"(?<!{_LOCAL}){_EMAIL.pattern}")
# Finnish 33100 / 33 100, Swedish 123 45; not part of a longer number
_POSTAL_CODE = re.compile(r"(?<![\d-])(?:\d{2} ?\d{3}|\d{3} \d{2})(?![\d-])")
MAX_EMAIL_LENGTH = 254


def _addresses(text: str) -> list[str]:
    """What ``_EMAIL.findall(text)`` finds, in linear time.

    A plain search retries at every character of a long run without an "@" and scans to the
    run's end each time, which is quadratic ("aaaa..."). Every start inside one run of
    local-part characters leads to the same "@", so it matches iff the run's first character
    does: only run beginnings are tried, and the position right after a previous address.
    """
    found: list[str] = []
    position = 0
    while match := _EMAIL.match(text, position) or _EMAIL_AT_RUN.search(text, position):
        found.append(match[0])
        position = match.end()
    return found


def _plausible(address: str) -> bool:
    local = address.rsplit("@", 1)[0]
    return (
        len(address) <= MAX_EMAIL_LENGTH
        and not local.startswith(".")
        and not local.endswith(".")
        and ".." not in address
    )


def find_email(text: str) -> str | None:
    """The one email address in ``text`` ("se on matti@example.fi"), with a lowercased domain.

    None when there is no address, or more than one (ask again rather than guess).
    """
    found = _addresses(text or "")
    if len(found) != 1 or not _plausible(found[0]):
        return None
    local, domain = found[0].rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def find_emails(text: str) -> list[str]:
    """Every plausible email address in ``text``, in order (for finding a person's data)."""
    return [address for address in _addresses(text or "") if _plausible(address)]


def is_valid_email(text: str) -> bool:
    """Whether ``text`` is exactly one plausible address (no display name, spaces or lines)."""
    return _EMAIL.fullmatch(text) is not None and _plausible(text)


def find_postal_code(text: str) -> str | None:
    """The one postal code in ``text`` ("postinumero 33 100" -> "33 100"), if exactly one."""
    found = {match.strip() for match in _POSTAL_CODE.findall(text or "")}
    return found.pop() if len(found) == 1 else None


def find_proof(text: str) -> str | None:
    """The order's proof in ``text``: the email address, else the postal code."""
    return find_email(text) or find_postal_code(text)
