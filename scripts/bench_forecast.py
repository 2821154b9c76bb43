"""``bench.py forecast``: the staffing forecast's cost for 2, 8 and 26 weeks of tickets.

The history is the synthetic one of the forecast's tests (weekday peaks at 10–11 and 19–20,
Poisson arrivals) in a temporary SQLite ticket database. The first forecast of the process also
pays for importing statsforecast and pandas (done lazily: the handoff service and the other
commands never do); it is reported on its own.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from handoff.config import ForecastSettings, HandoffSettings
from handoff.forecast import staffing_forecast
from handoff.store import Store
from tests.handoff.forecast_history import helsinki, write_history

AT = helsinki(2026, 11, 2, 8)


def run(weeks: Sequence[int], rounds: int = 3) -> None:
    """Print the time of one forecast per history length (median of ``rounds``)."""
    first = True
    for count in weeks:
        with tempfile.TemporaryDirectory() as folder:
            settings = HandoffSettings(
                database_url=f"sqlite:///{Path(folder) / 'handoff.db'}",
                forecast=ForecastSettings(team_size=3, history_weeks=max(count, 1)),
            )
            store = Store(settings.database_url)
            store.create_schema()
            tickets = write_history(store, AT, days=7 * count)
            if first:
                started = time.perf_counter()
                staffing_forecast(settings, store, AT)
                print(f"first forecast, with the imports   {time.perf_counter() - started:6.2f} s")
                first = False
            seconds = []
            for _ in range(rounds):
                started = time.perf_counter()
                result = staffing_forecast(settings, store, AT)
                seconds.append(time.perf_counter() - started)
            print(
                f"{count:3d} weeks, {tickets:6d} tickets ({result.method:<36}) "
                f"median {statistics.median(seconds):6.2f} s"
            )
            store.engine.dispose()
