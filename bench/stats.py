"""Percentiles and the Markdown tables the benchmarks print."""

from __future__ import annotations

import statistics


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def print_table(label: str, results: dict[str, list[float]], digits: int = 1) -> None:
    """One row per series: p50, p95, p99 and max."""
    print(f"| {label} | p50 | p95 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in results.items():
        cells = [statistics.median(values), percentile(values, 95), percentile(values, 99), max(values)]
        print(f"| {name} | " + " | ".join(f"{c:.{digits}f}" for c in cells) + " |")
