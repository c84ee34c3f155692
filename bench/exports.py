"""Export benchmarks: every format for the largest realistic outcome of the shipped rules.

``python -m bench.exports [runs]`` prints just these figures (median, and the fastest and
slowest run, since a shared machine is noisy).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ._util import Row, fmt_bytes, fmt_time, median_time

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.300


def run(rules: Path | None = None, runs: int = 5) -> list[Row]:
    from atmp_pathways import RulebookError, evaluate, load_rulebook
    from atmp_pathways.exports import EXPORTS

    from .engine import richest_answers

    label = "shipped rules/"
    try:
        book = load_rulebook(rules or ROOT / "rules")
    except RulebookError:
        label = "toy rules (shipped rules/ do not load)"
        book = load_rulebook(ROOT / "tests" / "fixtures" / "toy_rules")
    answers = richest_answers(book)
    outcome = evaluate(book, answers)
    rows = [
        Row(
            "exports",
            f"outcome used, {label}",
            f"{len(outcome.applicable)} applicable + {len(outcome.upcoming)} upcoming + {len(outcome.horizon)} horizon findings",
            note=f"{len(answers)} answers; every item chosen in many_of questions",
        )
    ]
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for name, fmt in EXPORTS.items():
        try:
            t, samples = median_time(lambda fmt=fmt: fmt.render(outcome, book, stamp), runs=runs)  # type: ignore[misc]
            size = len(fmt.render(outcome, book, stamp))
        except Exception as err:  # noqa: BLE001 - an export in progress is reported, not fatal
            rows.append(
                Row("exports", f"{name} render", "raised", "≤ 300 ms", "failed", f"{type(err).__name__}: {err}"[:200])
            )
            continue
        rows.append(
            Row(
                "exports",
                f"{name} render (median of {runs})",
                fmt_time(t),
                "≤ 300 ms",
                "met" if t <= TARGET_S else "missed",
                f"{fmt_bytes(size)} output; runs {fmt_time(min(samples))}–{fmt_time(max(samples))}",
            )
        )
    return rows


if __name__ == "__main__":
    import sys

    for row in run(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 7):
        print(f"{row.figure:<40} {row.value:>12}  {row.target:<9} {row.status:<8} {row.note}")
