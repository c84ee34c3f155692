"""A hostile rule shape: a chain of questions, each asked only after the one before.

Before the satisfiability check was made iterative and bounded, a chain of about 350
questions crashed ``check`` with ``RecursionError`` and its cost grew as n³. Figures:
``load_rulebook`` (schema, references, graph lint with the satisfiability check) on
chains of 100 / 1 000 / 10 000 questions; target linear-ish, 10 000 in ≤ 2 s.

>>> import tempfile
>>> from atmp_pathways.loader import load_rulebook
>>> with tempfile.TemporaryDirectory() as tmp:
...     book = load_rulebook(write_chain(tmp, 5))
>>> [q.id for q in book.questions][-1], len(book.obligations)
('q4', 1)
"""

from __future__ import annotations

import time
from pathlib import Path

from ._util import Row, fmt_time

__all__ = ["run", "write_chain"]

SIZES = (100, 1_000, 10_000)
TARGET_S = 2.0  # for the 10 000 chain


def write_chain(root: str | Path, n: int) -> Path:
    """Write a clean rules folder whose ``n`` yes/no questions form one chain of `when`s."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "rulebook.yaml").write_text(
        "title: Chain\nversion: 1.0.0\njurisdiction: Nowhere\nas_of: 2026-01-01\nscope: A benchmark shape.\n"
        "topics: [chain]\nactors: {maker: Maker}\nphases: {make: Making}\n",
        encoding="utf-8",
    )
    (root / "sources.yaml").write_text(
        "sources:\n  - {id: act, title: Act, kind: act, identifier: A-1, url: 'https://example.org/a',"
        " status: binding_law, valid_from: 2020-01-01, last_reviewed: 2026-01-01}\n",
        encoding="utf-8",
    )
    lines = ["title: Chain", "questions:"]
    for i in range(n):
        when = f", when: {{question: q{i - 1}, is: true}}" if i else ""
        lines.append(
            f"  - {{id: q{i}, kind: yes_no, text: Question {i}?, help: Step {i}.{when},"
            " citations: [{source: act, ref: Art 1}]}"
        )
    lines += [
        "obligations:",
        f"  - {{id: last, title: Last, description: At the end., actor: maker, phase: make,"
        f" when: {{question: q{n - 1}, is: true}}, citations: [{{source: act, ref: Art 2}}],"
        " status: binding_law, verification: confirmed, checklist: [Do it]}",
    ]
    (root / "chain.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _sat_only(book: object) -> float:
    """The satisfiability part of the lint alone: every question's `when` and the obligation's."""
    from atmp_pathways._sat import satisfiable
    from atmp_pathways.models import Rulebook

    assert isinstance(book, Rulebook)
    qmap = book.questions_by_id
    start = time.perf_counter()
    for q in book.questions:
        if q.when is not None:
            satisfiable(q.when, qmap)
    for ob in book.obligations:
        satisfiable(ob.when, qmap, ob.unless, negate_extra=True)
    return time.perf_counter() - start


def run(sizes: tuple[int, ...] = SIZES) -> list[Row]:
    import tempfile

    from atmp_pathways._yaml import parse_yaml
    from atmp_pathways.loader import load_rulebook

    rows = []
    per_question: list[float] = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_chain(tmp, n)
            start = time.perf_counter()
            book = load_rulebook(root)
            took = time.perf_counter() - start
            start = time.perf_counter()  # floor: only parsing the chain's YAML, same run
            parse_yaml((root / "chain.yaml").read_text(encoding="utf-8"))
            floor = time.perf_counter() - start
        sat = _sat_only(book)
        per_question.append(took / n)
        target, status = ("≤ 2 s", "met" if took <= TARGET_S else "missed") if n >= 10_000 else ("reported", "reported")
        rows.append(
            Row(
                "chain",
                f"check a chain of {n:,} dependent questions",
                fmt_time(took),
                target,
                status,
                f"satisfiability check alone {fmt_time(sat)}; parsing the YAML alone {fmt_time(floor)}",
            )
        )
    if len(per_question) > 1:
        growth = per_question[-1] / per_question[0]
        rows.append(
            Row(
                "chain",
                f"time per question, {sizes[-1]:,} vs {sizes[0]:,} chain",
                f"{growth:.1f}×",
                "≤ 3× (linear-ish)",
                "met" if growth <= 3 else "missed",
            )
        )
    return rows
