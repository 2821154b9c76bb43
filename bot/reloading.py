"""Serve what was built from files, rebuild it when they change, keep the last good version.

Editors change FAQ files, shop data and ``handoff.yml`` while the bot runs. An edit is picked up
on the next check; an invalid edit is logged with every problem and the previous version keeps
serving, until the files change again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

Stamp = tuple[tuple[str, int, int], ...]


def file_stamp(paths: Iterable[Path]) -> Stamp:
    """Name, modification time and size of each file; a missing file gives ``-1, -1``."""
    stamp = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            stamp.append((str(path), -1, -1))
        else:
            stamp.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


class LastGood(Generic[T]):
    """A value built from files, rebuilt by :meth:`refresh` when their stamp changes.

    Args:
        what: what is built, for the log ("FAQ", "shop data", "handoff.yml").
        stamp: a cheap summary of the files (see :func:`file_stamp`); an ``OSError`` means
            they are changing right now, so the check is skipped.
        build: builds the value from the files.
        rejected: the errors that mean an invalid edit.
        problems: the text logged for a rejected edit (default: the error's ``problems``, one
            a line, as :class:`bot.errors.FaqValidationError` has them, else its message).

    Raises:
        the ``rejected`` errors when the first build fails (there is nothing to serve yet).
    """

    def __init__(
        self,
        what: str,
        stamp: Callable[[], Hashable],
        build: Callable[[], T],
        rejected: type[Exception] | tuple[type[Exception], ...],
        problems: Callable[[Exception], str] | None = None,
    ) -> None:
        self.what = what
        self._stamp_of, self._build = stamp, build
        self._rejected, self._problems = rejected, problems or _problems
        self._lock = threading.Lock()
        self._stamp = stamp()  # taken first, so an edit made during the build is seen next time
        self._failed_stamp: Hashable | None = None
        self.value: T = build()

    def refresh(self) -> bool:
        """Rebuild if the files changed; keep the last good value if the edit is invalid.

        Returns:
            True when a newly built value is now serving.
        """
        with self._lock:
            try:
                stamp = self._stamp_of()
            except OSError as exc:  # a file vanished between listing and stat: next check
                log.debug("%s changing: %s", self.what, exc)
                return False
            if stamp == self._stamp or stamp == self._failed_stamp:
                return False
            try:
                value = self._build()
            except self._rejected as exc:
                self._failed_stamp = stamp
                log.error(
                    "%s edit rejected, still serving the previous version:\n%s",
                    self.what,
                    self._problems(exc),
                )
                return False
            self.value, self._stamp, self._failed_stamp = value, stamp, None
            return True


def _problems(exc: Exception) -> str:
    listed = getattr(exc, "problems", None)
    return "\n".join(listed) if isinstance(listed, list) else str(exc)
