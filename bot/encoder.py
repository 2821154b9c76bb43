"""Text encoders: the real sentence-transformers one and the protocol the index relies on."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """A name that identifies the model (part of cache keys)."""
        ...

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed ``texts`` as rows of a (len(texts), dim) array, each of unit length."""
        ...


class SentenceEncoder:
    """A sentence-transformers model used with e5's ``query: `` prompt on every text.

    ``query: `` on both the FAQ rows and the shopper's question worked better than ``passage: ``
    rows for this symmetric task (README, "What was tried").
    """

    def __init__(self, name_or_path: str, prompt_name: str | None = "query") -> None:
        from bot.model import load_encoder

        self._model = load_encoder(name_or_path)
        self._name = name_or_path
        prompts = getattr(self._model, "prompts", {}) or {}
        self._prompt_name = prompt_name if prompt_name in prompts else None
        # torch releases the GIL; one lock keeps concurrent requests from oversubscribing 2 cores.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model's path or hub name."""
        return self._name

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed texts, normalised, in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                prompt_name=self._prompt_name,
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        """Size of one embedding."""
        return int(self._model.get_sentence_embedding_dimension() or 0)
