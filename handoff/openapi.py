"""``python -m handoff.openapi``: print the handoff service's OpenAPI document (for docs/)."""

from __future__ import annotations

import json
from typing import Any

from handoff.app import create_app
from handoff.config import HandoffSettings


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app (no database or Rasa needed)."""
    return create_app(HandoffSettings(), background=False).openapi()


def main() -> None:
    """Print the document as stable, indented JSON."""
    print(json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
