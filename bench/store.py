"""Store benchmarks: save and open an assessment (SQLite, and PostgreSQL when a throw-away
server can be started), ``impact`` over 250 / 500 / 1 000 saved assessments on the shipped
rules, and the semantic diff of two shipped rulebook versions.

``python -m bench.store`` prints just these figures.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from atmp_pathways import evaluate, load_rulebook, next_question
from atmp_pathways.impact import impact
from atmp_pathways.models import Rulebook
from atmp_pathways.rulediff import diff_rulebooks
from atmp_pathways.store import Store, open_store

from ._util import Row, fit_line, fmt_time, median_time

__all__ = ["modified_copy", "random_answers", "run"]

ROOT = Path(__file__).resolve().parent.parent
SAVE_TARGET_S = 0.100  # one click in the app
IMPACT_TARGET_S = 5.0
DIFF_TARGET_S = 0.200
SIZES = (250, 500, 1000)
AS_OF = date(2026, 12, 1)


def random_answers(book: Rulebook, rng: random.Random) -> dict[str, Any]:
    """A complete interview walked with random answers (every asked question answered)."""
    answers: dict[str, Any] = {}
    for _ in range(len(book.questions) + 1):
        q = next_question(book, answers, AS_OF)
        if q is None:
            break
        if q.kind == "yes_no":
            answers[q.id] = rng.random() < 0.5
        elif q.kind == "date":
            answers[q.id] = AS_OF + timedelta(days=rng.randint(-900, 900))
        else:
            choices = sorted(book.choices(q))
            if q.kind == "one_of":
                answers[q.id] = rng.choice(choices)
            else:
                answers[q.id] = sorted(rng.sample(choices, rng.randint(1, min(4, len(choices)))))
    return answers


def modified_copy(book: Rulebook) -> Rulebook:
    """The shipped rulebook as a previous release might have been: one citation fewer, a condition
    narrower, a status, a date and a checklist line different (five obligations touched)."""
    data = json.loads(book.model_dump_json(by_alias=True))
    obligations = [o for o in data["obligations"] if o.get("when")]
    first, second, third, fourth, fifth = obligations[:5]
    first["citations"] = first["citations"][:1] if len(first["citations"]) > 1 else first["citations"]
    first["citations"] = [
        *first["citations"],
        {**first["citations"][0], "ref": first["citations"][0]["ref"] + " (old)"},
    ]
    second["when"] = {"all": [second["when"], second["when"]]}
    third["status"] = "guidance" if third["status"] != "guidance" else "binding_law"
    fourth["valid_from"] = "2020-01-01"
    fifth["checklist"] = [*fifth["checklist"], "A line that the new release dropped"]
    data["meta"]["version"] = "0.0.9"
    data["digest"] = ("0" * 16 + book.digest)[-16:][::-1]
    return Rulebook.model_validate_json(json.dumps(data))


def _save_open(store: Store, book: Rulebook, answers: dict[str, Any], label: str) -> list[Row]:
    outcome = evaluate(book, answers, AS_OF)
    made = store.create("bench", "P", "bench@example.org", answers, AS_OF, book, outcome)
    number = [made.latest.number]

    def save() -> None:
        rev = store.save_revision(
            made.id, "bench@example.org", answers, AS_OF, book, outcome, expected_revision=number[0]
        )
        number[0] = rev.number

    t_save, s_save = median_time(save, runs=15, warmup=2)
    t_open, s_open = median_time(lambda: store.get(made.id, "bench@example.org"), runs=15, warmup=2)
    t_list, _ = median_time(lambda: store.list_for("bench@example.org"), runs=7)
    n = len(answers)
    return [
        Row(
            "store",
            f"{label}: save a revision (median of 15)",
            fmt_time(t_save),
            "≤ 100 ms",
            "met" if t_save <= SAVE_TARGET_S else "missed",
            f"{n} answers, outcome given; runs {fmt_time(min(s_save))}–{fmt_time(max(s_save))}",
        ),
        Row(
            "store",
            f"{label}: open an assessment (median of 15)",
            fmt_time(t_open),
            "≤ 100 ms",
            "met" if t_open <= SAVE_TARGET_S else "missed",
            f"runs {fmt_time(min(s_open))}–{fmt_time(max(s_open))}",
        ),
        Row("store", f"{label}: list the register (1 assessment, median of 7)", fmt_time(t_list)),
    ]


ROUNDS = 7  # interleaved rounds of the impact timings (each size once per round, in a shuffled order)


def _interleaved(fns: dict[int, Callable[[], Any]], rng: random.Random, rounds: int = ROUNDS) -> dict[int, list[float]]:
    """Wall seconds of each ``fns[size]()`` over ``rounds`` rounds, the sizes in a new random order
    each round, after a full collection and a short settle: a slow spell of the machine (other work
    on its 2 cores) falls on every size alike instead of on whichever size was timed then."""
    samples: dict[int, list[float]] = {size: [] for size in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(rounds):
        order = list(fns)
        rng.shuffle(order)
        for size in order:
            gc.collect()
            time.sleep(0.05)
            start = time.perf_counter()
            fns[size]()
            samples[size].append(time.perf_counter() - start)
    return samples


def _impact_rows(stores: dict[int, Store], old: Rulebook, book: Rulebook, rng: random.Random) -> list[Row]:
    """``impact`` over one store per size (the first 250 of the 500, the first 500 of the 1 000), and
    its floor, timed in interleaved rounds; linearity is judged on the fastest round of each size."""
    fill: dict[int, float] = {}
    interviews: list[dict[str, Any]] = []
    for size, store in stores.items():
        while len(interviews) < size:
            interviews.append(random_answers(old, rng))
        start = time.perf_counter()
        for n, answers in enumerate(interviews[:size]):
            store.create(f"Assessment {n}", f"P{n % 37}", None, answers, AS_OF, old)
        fill[size] = time.perf_counter() - start
    saved = {size: [r.answers for _, r in store.latest_revisions()] for size, store in stores.items()}
    timed = _interleaved({size: partial(impact, store, book) for size, store in stores.items()}, rng)
    floors = _interleaved(
        {size: partial(lambda xs: [evaluate(book, a, AS_OF) for a in xs], saved[size]) for size in stores}, rng
    )
    rows: list[Row] = []
    for size, store in stores.items():
        t, fastest = statistics.median(timed[size]), min(timed[size])
        floor = min(floors[size])
        changed = sum(i.changed for i in impact(store, book))
        target = IMPACT_TARGET_S * size / SIZES[-1]
        rows.append(
            Row(
                "store",
                f"impact over {size} saved assessments, shipped rules (median of {ROUNDS})",
                f"{fmt_time(t)} = {fmt_time(t / size)} each = {fastest / floor:.1f}× evaluate alone",
                f"≤ {target:.2f} s" if size != SIZES[-1] else "≤ 5 s",
                "met" if t <= target else "missed",
                f"{changed} changed; fastest {fmt_time(fastest)}, slowest {fmt_time(max(timed[size]))}; floor "
                f"(evaluate each saved answer set, no database) fastest {fmt_time(floor)}; saving these {size} "
                f"took {fmt_time(fill[size])} more",
            )
        )
    sizes = list(stores)
    fastest_all = [min(timed[size]) for size in sizes]
    medians = [statistics.median(timed[size]) for size in sizes]
    _, slope, r2 = fit_line(sizes, fastest_all)
    _, _, r2_median = fit_line(sizes, medians)
    per = [t / n for t, n in zip(fastest_all, sizes, strict=True)]
    floor_per = [min(floors[size]) / size for size in sizes]
    linear = r2 >= 0.98 and per[-1] <= 1.5 * per[0]
    rows.append(
        Row(
            "store",
            f"impact growth 250 → 1000 (fastest of {ROUNDS} interleaved rounds)",
            f"{fmt_time(slope)} per assessment, R² {r2:.3f}",
            "linear",
            "met" if linear else "missed",
            "per-assessment cost "
            + " / ".join(fmt_time(p) for p in per)
            + "; floor "
            + " / ".join(fmt_time(p) for p in floor_per)
            + f"; medians R² {r2_median:.3f}; load average {_load()}",
        )  # fmt: skip
    )
    return rows


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def run() -> list[Row]:
    book = load_rulebook(ROOT / "rules")
    old = modified_copy(book)
    rng = random.Random(12)
    answers = random_answers(book, rng)
    rows: list[Row] = []

    t_diff, samples = median_time(lambda: diff_rulebooks(old, book), runs=9)
    diff = diff_rulebooks(old, book)
    rows.append(
        Row(
            "store",
            "diff of two shipped rulebook versions (median of 9)",
            fmt_time(t_diff),
            "≤ 200 ms",
            "met" if t_diff <= DIFF_TARGET_S else "missed",
            f"{len(diff.changes)} items changed, {sum(len(c.lines()) for c in diff.changes)} lines; "
            f"{len(book.questions)} q + {len(book.obligations)} ob + {len(book.sources)} sources",
        )
    )
    with tempfile.TemporaryDirectory(prefix="atmp-bench-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            rows += _save_open(store, book, answers, "SQLite")
        finally:
            store.close()
        stores = {size: open_store(f"sqlite:///{Path(tmp) / f'impact-{size}.db'}") for size in SIZES}
        try:
            rows += _impact_rows(stores, old, book, rng)
        finally:
            for each in stores.values():
                each.close()
    rows += _postgres(book, answers)
    return rows


def _postgres(book: Rulebook, answers: dict[str, Any]) -> list[Row]:
    try:
        from tests._postgres import start_server
    except ImportError as err:
        return [Row("store", "PostgreSQL save/open", "skipped", status="skipped", note=str(err))]
    server, why_not = start_server()
    if server is None:
        return [Row("store", "PostgreSQL save/open", "no server", status="skipped", note=why_not)]
    try:
        store = open_store(server.new_database())
        try:
            return _save_open(store, book, answers, "PostgreSQL")
        finally:
            store.close()
    finally:
        server.stop()


if __name__ == "__main__":
    for row in run():
        print(f"{row.figure:<66} {row.value:>32}  {row.target:<10} {row.status:<8} {row.note}")
