"""Where faqbot keeps what it computes once: converted models, embeddings, built shop databases."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path:
    """Return ``$FAQBOT_CACHE`` if set, else ``~/.cache/faqbot``."""
    env = os.environ.get("FAQBOT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "faqbot"


def embeddings_file(model_name: str, prefix: str = "") -> Path:
    """The file that keeps the embeddings of one kind of text (``prefix``) for one model."""
    key = hashlib.sha256(model_name.encode()).hexdigest()[:16]
    return cache_dir() / "embeddings" / f"{prefix}{key}.npz"
