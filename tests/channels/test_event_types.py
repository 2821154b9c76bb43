"""channels.event_types: an event's class is found once per type name, the same one Rasa finds."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.channels.test_python310 import RASA_PYTHON, ROOT

pytestmark = pytest.mark.integration

# Runs in .venv-rasa: every event type name Rasa knows, plus an unknown one, resolved before and
# after the patch, and how often Rasa walked its event classes for 100 more look-ups.
_RUN = """
import json
import rasa.shared.utils.common as common
from rasa.shared.core.events import Event, UserUttered, deserialise_events

walks = []
real_all_subclasses = common.all_subclasses
def counting(cls):
    if cls is Event:
        walks.append(1)
    return real_all_subclasses(cls)
common.all_subclasses = counting

names = sorted({cls.type_name for cls in real_all_subclasses(Event)}) + ["no_such_event"]
def resolve():
    found = {}
    for name in names:
        try:
            cls = Event.resolve_by_type(name)
            found[name] = cls.__name__ if cls else None
        except ValueError as error:
            found[name] = str(error)
    found["default"] = Event.resolve_by_type("no_such_event", UserUttered).__name__
    return found

before = resolve()
from channels import event_types
event_types.install()
event_types.install()
after = resolve()
walks.clear()
events = deserialise_events([{"event": "action", "name": "action_listen"}] * 100)
print(json.dumps({
    "before": before, "after": after, "walks": len(walks),
    "events": sorted({type(e).__name__ for e in events}),
}))
"""


def test_types_resolve_as_in_rasa_walking_its_event_classes_once_per_name() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["after"] == report["before"]
    assert report["after"]["user"] == "UserUttered"
    assert report["after"]["no_such_event"] == "Unknown event name 'no_such_event'."
    assert report["after"]["default"] == "UserUttered"
    assert report["events"] == ["ActionExecuted"]
    assert report["walks"] == 0  # "action" was resolved once already, during the comparison
