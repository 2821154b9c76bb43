"""channels.fast_validation: the compiled validator judges as jsonschema.validate does."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.channels.test_python310 import RASA_PYTHON, ROOT

pytestmark = pytest.mark.integration

# Runs in .venv-rasa: each response goes through Rasa's own check, then through the patched one;
# prints, per response, what each did (True, or the error's class, message and path).
_RUN = """
import json, sys
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

calls = []
real_validate = jsonschema.validate
def counting_validate(*args, **kwargs):
    calls.append(1)
    return real_validate(*args, **kwargs)
jsonschema.validate = counting_validate

def check(action, response):
    try:
        return action._validate_action_result(response)
    except jsonschema.ValidationError as error:
        return [type(error).__name__, error.message, list(error.absolute_path)]

responses = json.loads(sys.argv[1])
action = RemoteAction("action_answer_faq", EndpointConfig("http://127.0.0.1:1"))
plain = [check(action, r) for r in responses]
plain_calls = len(calls)
from channels import fast_validation
fast_validation.install()
fast_validation.install()  # twice: still one patch
patched = [check(action, r) for r in responses]
print(json.dumps({"plain": plain, "patched": patched, "calls": [plain_calls, len(calls)]}))
"""

RESPONSES = [
    {"events": [{"event": "slot", "name": "language", "value": "fi"}], "responses": []},
    {"events": [], "responses": [{"text": "Hei!", "buttons": [{"title": "A", "payload": "/a"}]}]},
    {},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": "not a list"},
    {"events": [{"name": "x"}]},
]


def test_patched_check_gives_the_same_verdicts_and_errors_without_validate() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _RUN, json.dumps(RESPONSES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["patched"] == figures["plain"]
    assert figures["plain"][0] is True and figures["plain"][1] is True
    rejected = [verdict for verdict in figures["plain"] if verdict is not True]
    assert len(rejected) >= 3  # the bad responses really are rejected
    assert all("Failed to validate Action server response" in r[1] for r in rejected)
    plain_calls, all_calls = figures["calls"]
    assert plain_calls == len(RESPONSES)
    assert all_calls == plain_calls  # the patched check never calls jsonschema.validate
