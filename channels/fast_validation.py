"""Rasa checks every action server response against a schema compiled once, not on every call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, spec)``.
``validate`` first checks ``spec`` itself against the JSON Schema metaschema, then builds a new
validator, on every custom action call: under load that was about 60% of Rasa's CPU
(docs/performance.md). :func:`install` replaces the method with one that builds the validator
once per schema and keeps ``validate``'s semantics: the same validator class
(``validator_for(spec)``), the schema checked once (``check_schema``), and the same error raised,
``best_match`` of all errors, with Rasa's own hint appended to its message.
``channels.server`` installs it before Rasa starts.
"""

from __future__ import annotations

from typing import Any

_INSTALLED = "_faqbot_fast_validation"


def install() -> None:
    """Patch Rasa's ``RemoteAction._validate_action_result`` (idempotent)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction._validate_action_result, _INSTALLED, False):
        return
    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)
    validator = cls(spec)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                "For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    setattr(_validate_action_result, _INSTALLED, True)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
