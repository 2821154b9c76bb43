"""YAML reading with source positions, so every problem can be reported as ``file:line:col``.

All of faqbot's YAML loaders (FAQ, evaluation cases, settings) build on :func:`read_yaml` and
:func:`validate`, which turn syntax errors, duplicate keys and pydantic errors into messages of
the form ``data/faq/returns.yml:12:7: entries[0].answer.sv: <what is wrong and how to fix it>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted (faqbot's files need 6)."""
MAX_VALUES = 200_000
"""Most values a document may hold once aliases are expanded ("billion laughs" stop here)."""


def _openable(path: Path) -> Path:
    if "\0" in str(path):
        raise ValueError("a path cannot contain a NUL character (\\0)")
    try:
        os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no file system can name it
        raise ValueError("a path must be valid text; remove the \\u escape from it") from None
    return path


FilePath = Annotated[Path, AfterValidator(_openable)]
"""A path from a YAML file: the operating system must be able to open it."""


class _TooBig(Exception):
    """The document nests too deeply or expands to too many values."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader whose value errors (a 5,000-digit integer, 2001-02-30, ``!!timestamp x``)
    become ConstructorErrors that carry their mark."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, AttributeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({_short(exc)})", node.start_mark
            ) from exc


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class YamlDocument:
    """Parsed YAML data plus the position of every key and value in the source file."""

    path: Path
    data: Any
    value_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def where(self, key: PathKey, *, at_key: bool = False) -> str:
        """``file:line:col`` of ``key`` (or of its closest known parent)."""
        marks = self.key_marks if at_key else self.value_marks
        probe = key
        while probe and probe not in marks:
            probe = probe[:-1]
        line, col = marks.get(probe) or self.value_marks.get(probe) or (1, 1)
        return f"{self.path}:{line}:{col}"


def format_key(key: PathKey) -> str:
    """Render ``("entries", 0, "answer", "sv")`` as ``entries[0].answer.sv``."""
    text = ""
    for part in key:
        if isinstance(part, str) and not (part.isprintable() and part.strip() == part and part):
            part = repr(part)  # a key with a line break must not break the message in two
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def read_yaml(path: Path) -> YamlDocument:
    """Read ``path``; syntax errors and duplicate keys end up in ``problems`` (never raised)."""
    doc = YamlDocument(path=path, data=None)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        doc.problems.append(f"{path}:1:1: cannot read the file: {exc}")
        return doc
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _collect_marks(doc, node, (), [0])
                doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except _TooBig as exc:
        doc.problems.append(f"{path}:{exc.mark.line + 1}:{exc.mark.column + 1}: {exc}")
        doc.data = None
    except RecursionError:  # PyYAML's parser recurses once per nesting level
        doc.problems.append(
            f"{path}:1:1: nested too deeply to read; faqbot's files need a few levels only"
        )
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        doc.problems.append(f"{path}:{line}:{col}: YAML syntax error: {what}")
        doc.data = None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        doc.problems.append(
            f"{path}:{line}:{col}: character U+{int(exc.character):04X} is not allowed in YAML "
            "(a control character); remove it"
        )
        doc.data = None
    except yaml.YAMLError as exc:
        doc.problems.append(f"{path}:1:1: YAML error: {' '.join(str(exc).split())}")
        doc.data = None
    return doc


def _collect_marks(doc: YamlDocument, node: yaml.Node, key: PathKey, count: list[int]) -> None:
    """Record positions; ``count`` (one item, shared) counts values with aliases expanded."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise _TooBig(
            node.start_mark,
            f"more than {MAX_VALUES:,} values once aliases (*name) are expanded; "
            "write the values out or use fewer aliases",
        )
    if len(key) > MAX_DEPTH:  # also ends an alias that contains itself (&a [*a])
        raise _TooBig(
            node.start_mark,
            f"{format_key(key[:3])}...: nested more than {MAX_DEPTH} levels deep "
            "(or an alias contains itself); flatten it",
        )
    doc.value_marks[key] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            child = (*key, name)
            line = key_node.start_mark.line + 1
            if name in seen:
                doc.problems.append(
                    f"{doc.path}:{line}:{key_node.start_mark.column + 1}: {format_key(child)}: "
                    f"duplicate key (first at line {seen[name]}); keep only one of them"
                )
            seen[name] = line
            doc.key_marks[child] = (line, key_node.start_mark.column + 1)
            _collect_marks(doc, value_node, child, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(doc, item, (*key, index), count)


def validate(doc: YamlDocument, model: type[ModelT]) -> ModelT | None:
    """Validate ``doc.data`` against ``model``; on failure append every problem and return None."""
    if doc.problems and doc.data is None:
        return None
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        for error in exc.errors():
            doc.problems.append(_describe(doc, error))
        return None


def _describe(doc: YamlDocument, error: Any) -> str:
    loc: PathKey = tuple(part for part in error["loc"] if part != "[key]")
    is_key = "[key]" in error["loc"] or error["type"] == "extra_forbidden"
    message = _friendly(error)
    return f"{doc.where(loc, at_key=is_key)}: {format_key(loc)}: {message}"


def _friendly(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key; remove it or check its spelling"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"unknown value {error.get('input')!r}; use one of {expected}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return "must not be an empty list"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return f"{error.get('input')!r} does not match {pattern} (lowercase letters, digits, _)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
