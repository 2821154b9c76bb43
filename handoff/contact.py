"""Reading the email address a shopper types into the offline contact form."""

from __future__ import annotations

import re

# pragmatic, not RFC 5322: one @, a dot in the domain, no spaces; what shops can mail to
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def find_email(text: str) -> str | None:
    """The one email address in ``text`` ("se on matti@example.fi"), lowercased domain.

    None when there is no address, or more than one (ask again rather than guess).
    """
    found = _EMAIL.findall(text or "")
    if len(found) != 1:
        return None
    local, domain = found[0].rsplit("@", 1)
    if local.startswith(".") or local.endswith(".") or ".." in found[0]:
        return None
    return f"{local}@{domain.lower()}"
