from __future__ import annotations

import json

from handoff.openapi import openapi_document
from tests.conftest import ROOT


def test_documented_openapi_is_current() -> None:
    documented = json.loads((ROOT / "docs" / "handoff-openapi.json").read_text(encoding="utf-8"))
    assert documented == json.loads(json.dumps(openapi_document())), (
        "docs/handoff-openapi.json is out of date: "
        ".venv/bin/python -m handoff.openapi > docs/handoff-openapi.json"
    )


def test_api_covers_the_console_and_integrations() -> None:
    paths = openapi_document()["paths"]
    for path in (
        "/api/conversations",
        "/api/conversations/{ticket_id}",
        "/api/conversations/{ticket_id}/claim",
        "/api/conversations/{ticket_id}/reply",
        "/api/conversations/{ticket_id}/note",
        "/api/conversations/{ticket_id}/close",
        "/api/tickets",
        "/health",
    ):
        assert path in paths, path
