"""Small server-rendered SVG charts of the insight figures (no script, no CDN).

Each chart is a standalone SVG document with a ``<title>`` and ``<desc>``; the page shows it
as an image with the same text as ``alt`` and a data table next to it.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34
INK, GRID, BLUE, GREEN, RED = "#1f2937", "#d1d5db", "#1d4ed8", "#047857", "#b91c1c"


def _frame(title: str, desc: str, body: list[str], legend: list[tuple[str, str]]) -> str:
    keys = "".join(
        f'<rect x="{LEFT + 140 * i}" y="{HEIGHT - 12}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{LEFT + 140 * i + 14}" y="{HEIGHT - 3}">{escape(name)}</text>'
        for i, (name, colour) in enumerate(legend)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="sans-serif" font-size="11" '
        f'fill="{INK}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        + "".join(body)
        + keys
        + "</svg>"
    )


def _axes(top_value: float, labels: list[str], percent: bool = False) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for step in range(5):
        value = top_value * step / 4
        y = TOP + plot_h - plot_h * step / 4
        text = f"{value:.0%}" if percent else f"{value:.0f}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    every = max(1, len(labels) // 10)
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + width * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 20}" text-anchor="middle">{escape(label)}</text>'
            )
    return parts


def bars(title: str, desc: str, labels: list[str], values: list[float]) -> str:
    """A bar chart."""
    top = max([1.0, *values])
    top = _nice(top)
    plot_h = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / max(1, len(values))
    body = _axes(top, labels)
    for i, value in enumerate(values):
        h = plot_h * value / top
        body.append(
            f'<rect x="{LEFT + width * i + width * 0.1:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{width * 0.8:.1f}" height="{h:.1f}" fill="{BLUE}"/>'
        )
    return _frame(title, desc, body, [])


def lines(
    title: str,
    desc: str,
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
    percent: bool = False,
) -> str:
    """Line chart of one or more series (name, colour, values; None leaves a gap)."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    top = 1.0 if percent else _nice(max([1.0, *values]))
    plot_h = HEIGHT - TOP - BOTTOM
    width = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    body = _axes(top, labels, percent)
    for _name, colour, points in series:
        path, pen = [], "M"
        for i, value in enumerate(points):
            if value is None:
                pen = "M"
                continue
            x, y = LEFT + width * (i + 0.5), TOP + plot_h - plot_h * value / top
            path.append(f"{pen}{x:.1f},{y:.1f}")
            pen = "L"
        body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    return _frame(title, desc, body, [(name, colour) for name, colour, _ in series])


def _nice(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return float(step * 4)
    return float(value)


def charts(figures: dict[str, Any]) -> dict[str, str]:
    """The page's charts: name -> SVG document."""
    daily = figures["daily"]
    days = [d["date"][5:] for d in daily]
    volume = [float(d["conversations"]) for d in daily]
    busiest = max(daily, key=lambda d: d["conversations"]) if daily else None
    rated = [
        (
            d["thumbs_up"] / (d["thumbs_up"] + d["thumbs_down"])
            if d["thumbs_up"] + d["thumbs_down"]
            else None
        )
        for d in daily
    ]
    return {
        "volume-day": bars(
            "Conversations per day",
            f"{sum(volume):.0f} conversations"
            + (f"; busiest {busiest['date']} with {busiest['conversations']}" if busiest else ""),
            days,
            volume,
        ),
        "volume-hour": bars(
            "Conversations by hour of day",
            "conversations started in each hour (shop time), whole period",
            [f"{h:02d}" for h in range(24)],
            [float(v) for v in figures["hourly"]],
        ),
        "self-service": lines(
            "Self-service rate per day",
            "share of conversations that ended without a person",
            days,
            [("self-service rate", GREEN, [d["self_service_rate"] for d in daily])],
            percent=True,
        ),
        "thumbs": lines(
            "Effort question per day",
            "thumbs up and down given each day",
            days,
            [
                ("thumbs up", GREEN, [float(d["thumbs_up"]) for d in daily]),
                ("thumbs down", RED, [float(d["thumbs_down"]) for d in daily]),
            ],
        ),
        "thumbs-rate": lines(
            "Thumbs-up share per day",
            "share of effort answers that were thumbs up",
            days,
            [("thumbs-up share", BLUE, rated)],
            percent=True,
        ),
    }
