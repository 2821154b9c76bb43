"""Pydantic models of the editors' FAQ files (``data/faq/*.yml``): a public contract."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.language import Language

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class FaqEntryModel(BaseModel):
    """One FAQ entry as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
    questions: dict[Language, Annotated[list[Text], Field(min_length=1)]]
    answer: dict[Language, Text]
    handoff: bool = False
    # the entry answers a question about the shopper's own order ("where is my order?"): with
    # the shop connected, such a question gets the live order status (asks for the order number)
    live_order: bool = False
    # questions shoppers asked before picking this entry from the buttons, accepted by an
    # editor (`faqbot report picks`): matched like questions, but the thresholds are derived
    # from the editors' own questions only (docs/quality.md, "phrasings from shoppers")
    shopper_questions: dict[Language, list[Text]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _not_empty(self) -> FaqEntryModel:
        if not any(self.questions.values()):
            raise ValueError("needs at least one question; add e.g. `questions: {en: [...]}`")
        if not self.answer:
            raise ValueError("needs an answer in at least one language")
        return self


class FaqFileModel(BaseModel):
    """A whole ``data/faq/<topic>.yml`` file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: Text | None = None
    entries: list[FaqEntryModel]
