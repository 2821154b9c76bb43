"""Hypothesis strategies for YAML loaders: bytes, text, YAML documents, mutated shipped files.

Every loader is checked by :func:`check_loader`: it either returns or raises its own error type
whose message names ``file:line``; anything else (KeyError, RecursionError, yaml.YAMLError
leaking ...) fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Raw snippets that trip YAML readers: each is a complete value (or several lines of one).
NASTY = [
    "9" * 5000,  # more digits than int() converts
    "-0x" + "f" * 5000,
    "1e99999",
    "2001-02-30",  # a timestamp with no such day
    "2001-02-03 25:61:61",
    "&a [*a]",  # an alias that contains itself
    "&m {k: *m}",
    "*undefined",
    "[" * 300 + "]" * 300,  # deeper than the parser's recursion
    "{" * 80 + "}" * 80,
    "!!python/object/apply:os.system ['true']",
    "!!binary '%%%'",
    "!!int 'x'",
    "!!float 'x'",
    "!!timestamp 'x'",
    "!!set {a, b}",
    "!!omap [a: 1, a: 2]",
    "{<<: 5}",
    "{<<: [1, 2]}",
    "? [a, b]\n  : 1",
    "\t- tab",
    "'unterminated",
    '"\\0nul and \\x00"',
    '"\\ud800"',
    "---\n---",
    "%YAML 9.9\n---\nx",
    "\x00",
    "\x85\u2028\u2029",
    "~",
    ".nan",
    "-.inf",
    "",
    "[]",
    "{}",
    "null",
    "true",
    "2147483648",
    "-1",
    "'  '",
]

# A billion laughs: every level repeats the one before ten times.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [" + ",".join([f"*{chr(97 + level)}"] * 10) + "]\n"
    for level in range(8)
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(),
)
keys = st.one_of(
    st.sampled_from(["id", "entries", "questions", "answer", "fi", "sv", "en", "cases", "text"]),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=5),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=20,
)


def dump(data: Any) -> str:
    """``data`` as YAML text (unicode kept, so the readers see it raw)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _replace(data: Any, path: tuple[Any, ...], new: Any, how: str) -> Any:
    if not path:
        return new if how == "set" else data
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        if not rest and how == "delete":
            del copy[head]
        elif not rest and how == "extra":
            copy[f"{head}_unknown"] = new
        else:
            copy[head] = _replace(data[head], rest, new, how)
        return copy
    copy_list = list(data)
    if not rest and how == "delete":
        del copy_list[head]
    elif not rest and how == "extra":
        copy_list.insert(head, new)
    else:
        copy_list[head] = _replace(data[head], rest, new, how)
    return copy_list


@st.composite
def data_mutations(draw: st.DrawFn, text: str) -> str:
    """The parsed file ``text`` with a few values replaced, removed or added, dumped again."""
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        path = paths[draw(st.integers(min_value=0, max_value=len(paths) - 1))]
        how = draw(st.sampled_from(["set", "delete", "extra"]))
        data = _replace(data, path, draw(values), how)
    return dump(data)


@st.composite
def text_mutations(draw: st.DrawFn, text: str) -> str:
    """``text`` with lines deleted, duplicated (duplicate keys), cut, or nasty values inserted."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            lines = [""]
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[at]
        kind = draw(st.sampled_from(["delete", "duplicate", "cut", "value", "insert", "tab"]))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, line)
        elif kind == "cut":
            lines[at] = line[: draw(st.integers(min_value=0, max_value=len(line)))]
        elif kind == "value" and ":" in line:
            lines[at] = line[: line.index(":") + 1] + " " + draw(st.sampled_from(NASTY))
        elif kind == "insert":
            indent = line[: len(line) - len(line.lstrip())]
            key = draw(st.sampled_from(["x", "id", "entries", "fi", "<<"]))
            lines.insert(at, f"{indent}{key}: {draw(st.sampled_from(NASTY))}")
        else:
            lines[at] = "\t" + line
    return "\n".join(lines) + "\n"


def documents(shipped: Path) -> st.SearchStrategy[bytes]:
    """Any bytes, any text, any YAML document, and mutations of the shipped file ``shipped``."""
    text = shipped.read_text(encoding="utf-8")
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        values.map(dump).map(str.encode),
        st.lists(st.sampled_from(NASTY), min_size=1, max_size=3).map(
            lambda parts: "\n".join(f"k{n}: {part}" for n, part in enumerate(parts)).encode()
        ),
        st.just(BILLION_LAUGHS.encode()),
        st.just(b"\xff\xfe not utf-8"),
        data_mutations(text).map(str.encode),
        text_mutations(text).map(str.encode),
    )


LINE = re.compile(r"\.ya?ml:\d+(:\d+)?:")


def check_loader(
    load: Callable[[], Any], errors: type[BaseException] | tuple[type[BaseException], ...]
) -> Any:
    """Run ``load``: it returns, or raises ``errors`` whose every line names ``file:line``."""
    try:
        return load()
    except errors as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} without a message"
        for line in message.splitlines():
            assert LINE.search(line), f"no file:line in {line!r}"
        return None
