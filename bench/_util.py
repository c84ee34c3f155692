"""Shared bench helpers: timing, memory, result rows, machine description."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Row", "fit_line", "machine", "median_time", "peak_memory", "fmt_time", "fmt_bytes", "fmt_ratio", "pct"]


@dataclass
class Row:
    """One figure in the table: what, how much, the target and whether it is met."""

    area: str
    figure: str
    value: str
    target: str = "reported"
    status: str = "reported"  # met | missed | reported | skipped | failed
    note: str = ""


def median_time(fn: Callable[[], Any], runs: int = 5, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time of ``fn`` in seconds, and every sample."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), samples


def peak_memory(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak bytes allocated by Python while ``fn`` runs (tracemalloc), and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least-squares ``y = a + b x``: returns (a, b, R²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    return a, b, r2


def pct(xs: Sequence[float], p: float) -> float:
    """The ``p`` quantile of ``xs`` (nearest rank).

    >>> pct([3.0, 1.0, 2.0, 4.0], 0.5), pct([3.0, 1.0, 2.0, 4.0], 0.95)
    (2.0, 4.0)
    """
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def fmt_ratio(ratio: float, limit: float) -> str:
    """``ratio`` as "1.87×"; with three decimals when two would hide which side of ``limit`` it is on.

    >>> fmt_ratio(1.8712, 1.25), fmt_ratio(2.004, 2), fmt_ratio(1.996, 2), fmt_ratio(2.0, 2)
    ('1.87×', '2.004×', '1.996×', '2.00×')
    """
    text = f"{ratio:.2f}"
    if float(text) == limit and ratio != limit:
        text = f"{ratio:.3f}"
    return f"{text}×"


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def machine() -> dict[str, str]:
    """Cores, RAM, CPU model, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    ram = fmt_bytes(int(line.split()[1]) * 1024)
                    break
    except OSError:
        pass
    versions = {}
    for mod in ("streamlit", "pydantic", "networkx", "yaml"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing library is reported, not fatal
            versions[mod] = "absent"
    try:
        import yaml

        libyaml = "yes" if yaml.__with_libyaml__ else "no"
    except Exception:  # noqa: BLE001
        libyaml = "unknown"
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": sys.version.split()[0],
        "streamlit": versions["streamlit"],
        "pydantic": versions["pydantic"],
        "networkx": versions["networkx"],
        "PyYAML": f"{versions['yaml']} (libyaml available: {libyaml})",
    }
