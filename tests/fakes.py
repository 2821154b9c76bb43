"""Test doubles (unit tests only; integration tests use the real model)."""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray


class HashingEncoder:
    """Bag of character trigrams hashed into 256 dimensions: similar strings, similar vectors."""

    name = "hashing-test-encoder"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        self.calls.append(list(texts))
        vectors = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                digest = hashlib.md5(padded[i : i + 3].encode()).digest()
                vectors[row, digest[0]] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
