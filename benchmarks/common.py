"""What every benchmark shares: timing by medians, and the result record."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    """One measured figure, with its target when the issue sets one."""

    group: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def row(self) -> str:
        verdict = {True: "met", False: "**missed**", None: ""}[self.met]
        value = f"{self.value:,.3g}" if self.value < 100 else f"{self.value:,.0f}"
        return f"| {self.name} | {value} {self.unit} | {self.target} | {verdict} | {self.note} |"


def median_time(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, in seconds (``setup`` untimed)."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def below(value: float, limit: float) -> bool:
    return value < limit
