"""Labelled shopper questions (evaluation sets): the fields every kind of case shares.

A case is ``{text, lang, expect}``: ``lang`` is the truth to score against (never an input) and
``expect`` an id, a list of ids (any of them is right) or ``none`` (nothing may be answered).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from bot.language import LANGUAGES, Language

NONE = "none"

R = TypeVar("R")


class LabelledCase(BaseModel):
    """One labelled question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    lang: Language
    expect: tuple[str, ...]

    @field_validator("expect", mode="before")
    @classmethod
    def _as_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return () if value == NONE else (value,)
        if isinstance(value, list) and value == [NONE]:
            return ()
        return value


def per_language(
    results: Iterable[R], lang_of: Callable[[R], str], figures: Callable[[list[R]], Any]
) -> dict[str, Any]:
    """``figures`` of the results of each language, then of ``all``, for those that have any."""
    groups: dict[str, list[R]] = defaultdict(list)
    for result in results:
        groups[lang_of(result)].append(result)
        groups["all"].append(result)
    return {lang: figures(groups[lang]) for lang in (*LANGUAGES, "all") if groups.get(lang)}
