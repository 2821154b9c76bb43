"""The latency-vs-concurrency chart of ``bench.py load`` (PNG), from its JSON figures.

``python scripts/plot_latency.py FIGURES.json CHART.png [TITLE]``. A script of its own because
matplotlib is not a faqbot dependency: ``bench.py`` runs it with the Rasa environment's Python
(``.venv-rasa``, where Rasa brings matplotlib) when its own has none.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def draw(levels: list[dict[str, Any]], path: Path, title: str) -> None:
    """p50/p95/p99 latency against the number of concurrent shoppers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shoppers = [level["shoppers"] for level in levels]
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=110)
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s-"), ("p99_ms", "^--")):
        axes.plot(shoppers, [level[key] for level in levels], style, label=key[:3])
    axes.set_xlabel("concurrent shoppers (REST)")
    axes.set_ylabel("latency per message (ms)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    figures = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    draw(figures, Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "faqbot")
