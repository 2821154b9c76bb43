"""Add accepted shopper questions to the FAQ's YAML files, keeping each file's comments and layout.

``faqbot picks --write`` uses this: the editor reviews the change with ``git diff`` instead of
pasting blocks by hand. A file is rewritten only when it reads back unchanged with one of the
usual block indentations (so nothing but the added lines changes), and nothing is written
unless the whole FAQ still loads afterwards.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.errors import FaqValidationError, FaqWriteError
from bot.faq.loader import faq_files, load_faq

# (mapping, sequence, offset) indentations tried, the project's own first
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 4))

Additions = Mapping[str, Mapping[str, Sequence[str]]]  # entry id -> language -> questions


def add_shopper_questions(faq_dir: Path, additions: Additions) -> list[Path]:
    """Append ``additions`` to the entries' ``shopper_questions`` in ``faq_dir``.

    Questions an entry already has in that language are skipped.

    Returns:
        The files that changed (empty when there was nothing new).

    Raises:
        FaqWriteError: an entry id is in no file, a file's layout would change on rewrite, or
            the FAQ would no longer load; nothing is written then.
    """
    pending = {entry: dict(by_lang) for entry, by_lang in additions.items() if by_lang}
    new_texts: dict[Path, str] = {}
    problems: list[str] = []
    for path in faq_files(faq_dir):
        text = path.read_text(encoding="utf-8")
        try:
            document = _loader().load(text)
        except YAMLError as exc:
            problems.append(f"{path}: not valid YAML; run `faqbot faq check` ({exc})")
            continue
        entries = [e for e in _entries(document) if str(e.get("id")) in pending]
        if not entries:
            continue
        dumper = _dumper_keeping(document, text)
        if dumper is None:
            for entry in entries:
                pending.pop(str(entry.get("id")), None)
            problems.append(
                f"{path}: its indentation would change if it were rewritten; paste the blocks"
                " that `faqbot picks` prints (without --write) instead"
            )
            continue
        changed = False
        for entry in entries:
            by_lang = pending.pop(str(entry.get("id")), None)  # None: an id twice in the file
            if by_lang:
                changed = _add(entry, by_lang) or changed
        if changed:
            new_texts[path] = _dump(dumper, document)
    problems += [f"{faq_dir}: no entry with id {entry!r}" for entry in sorted(pending)]
    if problems:
        raise FaqWriteError(problems)
    if new_texts:
        _check_loads(faq_dir, new_texts)
        for path, text in new_texts.items():
            _replace(path, text)
    return sorted(new_texts)


def _loader() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    return yaml


def _entries(document: Any) -> list[CommentedMap]:
    entries = document.get("entries") if isinstance(document, dict) else None
    return [e for e in entries or [] if isinstance(e, CommentedMap)]


def _dumper_keeping(document: Any, text: str) -> YAML | None:
    """A round-trip YAML that writes ``document`` back as ``text``, byte for byte, or None."""
    for mapping, sequence, offset in _LAYOUTS:
        yaml = _loader()
        yaml.width = 4096  # never fold a long question or answer
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        if _dump(yaml, document) == text:
            return yaml
    return None


def _dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _add(entry: CommentedMap, by_lang: Mapping[str, Sequence[str]]) -> bool:
    # the blank lines and comments after an entry belong to its last value: keep them last
    tail = _pop_tail(entry)
    try:
        return _add_questions(entry, by_lang)
    finally:
        _put_tail(entry, tail)


def _add_questions(entry: CommentedMap, by_lang: Mapping[str, Sequence[str]]) -> bool:
    block = entry.get("shopper_questions")
    if not isinstance(block, dict):
        block = CommentedMap()
        entry["shopper_questions"] = block
    added = False
    for lang, questions in by_lang.items():
        listed: Any = block.get(lang)
        if not isinstance(listed, list):
            listed = CommentedSeq()
            block[lang] = listed
        for question in questions:
            if question not in listed:
                listed.append(DoubleQuotedScalarString(question))
                added = True
    return added


def _pop_tail(node: Any) -> Any:
    """Take the comment after ``node``'s last scalar (blank lines count), or None."""
    slots, index = _last_scalar_slots(node)
    if slots is None or slots[index] is None:
        return None
    token = slots[index]
    value: str = token.value
    if value.startswith("\n"):
        slots[index] = None
        return token
    # a comment at the end of that line ("live_order: true  # why") stays with it
    keep, newline, rest = value.partition("\n")
    if not rest:
        return None
    token.value = keep + newline
    tail = copy.copy(token)
    tail.value = newline + rest  # the first newline ends the line it is put after
    return tail


def _put_tail(node: Any, token: Any) -> None:
    """Attach ``token`` after ``node``'s last scalar."""
    slots, index = _last_scalar_slots(node)
    if slots is not None and token is not None:
        slots[index] = token


def _last_scalar_slots(node: Any) -> tuple[list[Any] | None, int]:
    """The comment slots of ``node``'s last scalar and the index of the one after its value
    (created when missing), or ``(None, 0)`` for an empty node."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and node:
        last: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        if isinstance(node[last], (CommentedMap, CommentedSeq)) and node[last]:
            node = node[last]
        elif isinstance(node, CommentedMap):
            return node.ca.items.setdefault(last, [None, None, None, None]), 2
        else:
            return node.ca.items.setdefault(last, [None, None]), 0
    return None, 0


def _check_loads(faq_dir: Path, new_texts: Mapping[Path, str]) -> None:
    with tempfile.TemporaryDirectory(prefix="faqbot-faq-") as tmp:
        copy = Path(tmp) / "faq"
        shutil.copytree(faq_dir, copy)
        for path, text in new_texts.items():
            (copy / path.name).write_text(text, encoding="utf-8")
        try:
            load_faq(copy)
        except FaqValidationError as exc:
            raise FaqWriteError(
                [problem.replace(str(copy), str(faq_dir)) for problem in exc.problems]
            ) from exc


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step: a reader (the bot's hot reload) sees the old
    file or the new one, never half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
