"""Generate valid rules folders of a chosen size, for benchmarks and tests.

The shape imitates the real rulebook: several topic files, a shared source
registry, a data list with a per-item table, questions gated by earlier
questions, conditions of depth 1–4 built from ``all``/``any``/``not`` over
``is``/``in``/``includes``/``answered`` leaves, and per-item ``for_each``
obligations. Every condition is built to hold, or fail, under one *witness*
answer set in which every question is asked, so the checker finds no
unsatisfiable condition; every question is used and every source cited, so
``load_rulebook`` is clean.

>>> import tempfile
>>> from atmp_pathways.loader import load_rulebook
>>> with tempfile.TemporaryDirectory() as tmp:
...     gen = generate_rules(tmp, 60, seed=1)
...     book = load_rulebook(tmp)
>>> len(book.questions) + len(book.obligations)
60
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Generated", "generate_rules"]

PER_TOPIC = 400  # questions + obligations per topic file (≈ 150 KB of YAML)
STATES = [f"S{i:02d}" for i in range(1, 31)]
LIST_ID = "states"
TABLE_ID = "state_rules"
ONE_OF = ("alpha", "beta", "gamma", "delta")
MANY_OF = ("north", "south", "east", "west")


@dataclass
class Generated:
    """What was written: the folder, the witness answers and the counts."""

    root: Path
    witness: dict[str, Any]
    n_questions: int
    n_obligations: int
    n_sources: int
    n_topics: int
    bytes_written: int = 0
    gated: int = 0
    for_each: int = 0
    depth_counts: dict[int, int] = field(default_factory=dict)


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:  # never write anchors: the loader refuses them
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kind: dict[str, str] = {}
        self.witness: dict[str, Any] = {}
        self.own_choices: dict[str, tuple[str, ...]] = {}

    def choices(self, qid: str) -> tuple[str, ...]:
        return self.own_choices.get(qid) or tuple(STATES)

    # Leaves ------------------------------------------------------------------------------
    def leaf(self, qid: str, want: bool) -> dict[str, Any]:
        rng, kind, w = self.rng, self.kind[qid], self.witness[qid]
        if rng.random() < 0.08:
            return {"question": qid, "answered": want}  # every question is answered in the witness
        if kind == "yes_no":
            return {"question": qid, "is": w if want else not w}
        if kind == "one_of":
            others = [c for c in ONE_OF if c != w]
            if want:
                return (
                    {"question": qid, "is": w}
                    if rng.random() < 0.6
                    else {"question": qid, "in": [w, rng.choice(others)]}
                )
            return (
                {"question": qid, "is": rng.choice(others)}
                if rng.random() < 0.6
                else {"question": qid, "in": rng.sample(others, 2)}
            )
        chosen = list(w)
        missing = [c for c in self.choices(qid) if c not in chosen]
        if want:
            if rng.random() < 0.6:
                return {"question": qid, "includes": rng.choice(chosen)}
            return {"question": qid, "includes": [rng.choice(chosen), rng.choice(missing)]}
        if rng.random() < 0.6:
            return {"question": qid, "includes": rng.choice(missing)}
        return {"question": qid, "includes": rng.sample(missing, 2)}

    # Trees -------------------------------------------------------------------------------
    def cond(self, pool: list[str], depth: int, want: bool, fallback: list[str] | None = None) -> dict[str, Any]:
        """A condition of exactly ``depth`` levels that is ``want`` under the witness.

        ``pool`` is consumed from the front, so its first ids are sure to be used;
        then leaves draw from ``fallback`` (default: the first pool).
        """
        rng = self.rng
        fallback = fallback if fallback is not None else list(pool)
        if depth <= 1:
            return self.leaf(pool.pop(0) if pool else rng.choice(fallback), want)
        form = rng.choices(("all", "any", "not"), weights=(5, 4, 1))[0]
        if form == "not":
            return {"not": self.cond(pool, depth - 1, not want, fallback)}
        n = rng.randint(2, 3)
        deep = rng.randrange(n)  # one child carries the full depth
        if form == "all":
            wants = [True] * n if want else [rng.random() < 0.5 for _ in range(n)]
            if not want:
                wants[rng.randrange(n)] = False
        else:
            wants = [False] * n if not want else [rng.random() < 0.5 for _ in range(n)]
            if want:
                wants[rng.randrange(n)] = True
        kids = [
            self.cond(pool, depth - 1 if i == deep else rng.randint(1, depth - 1), wants[i], fallback) for i in range(n)
        ]
        return {form: kids}


def generate_rules(
    root: str | Path, size: int, *, seed: int = 0, per_topic: int = PER_TOPIC, yes_no_only: bool = False
) -> Generated:
    """Write a valid rules folder with ``size`` questions + obligations into ``root``.

    ``yes_no_only`` makes every question yes/no (easy to answer in a browser) and
    leaves out ``for_each`` obligations, which need a many_of question.
    """
    rng = random.Random(seed)
    root = Path(root)
    (root / "data").mkdir(parents=True, exist_ok=True)
    n_q = max(4, round(size * 0.4))
    n_o = size - n_q
    n_topics = max(1, -(-size // per_topic))
    n_src = max(3, size // 100)
    b = _Builder(rng)
    gen = Generated(root, b.witness, n_q, n_o, n_src, n_topics)
    cite_i = 0

    def cite(ref: str) -> list[dict[str, str]]:
        nonlocal cite_i
        src = f"src_{cite_i % n_src:04d}"
        cite_i += 1
        return [{"source": src, "ref": ref}]

    # Questions: ids, kinds and witness answers first.
    qids = [f"q{i:06d}" for i in range(n_q)]
    gate_depth: dict[str, int] = {}
    questions: list[dict[str, Any]] = []
    states_questions: list[str] = []
    for i, qid in enumerate(qids):
        r = 0.0 if yes_no_only else rng.random()
        q: dict[str, Any] = {"id": qid}
        if r < 0.5:
            kind = "yes_no"
            b.witness[qid] = rng.random() < 0.7
        elif r < 0.8:
            kind = "one_of"
            q["choices"] = {c: f"Option {c} for question {i}" for c in ONE_OF}
            b.witness[qid] = rng.choice(ONE_OF)
        else:
            kind = "many_of"
            if rng.random() < 0.5:
                q["choices_from"] = LIST_ID
                b.witness[qid] = rng.sample(STATES, rng.randint(1, 3))
                states_questions.append(qid)
            else:
                q["choices"] = {c: f"Region {c}" for c in MANY_OF}
                b.own_choices[qid] = MANY_OF
                b.witness[qid] = rng.sample(MANY_OF, rng.randint(1, 2))
        b.kind[qid] = kind
        q["kind"] = kind
        q["text"] = f"Does the product meet criterion {i} (question {qid})?"
        q["help"] = f"Plain-language help for criterion {i}; see the cited provision."
        parents = [p for p in qids[max(0, i - 30) : i] if gate_depth[p] < 3]
        depth = 0
        if parents and rng.random() < 0.6:
            chosen = rng.sample(parents, min(len(parents), rng.randint(1, 2)))
            q["when"] = b.cond(list(chosen), rng.randint(1, 2) if len(chosen) == 1 else 2, True)
            depth = 1 + max(gate_depth[p] for p in chosen)
            gen.gated += 1
        gate_depth[qid] = depth
        q["citations"] = cite(f"Art {i % 97 + 1}")
        # key order as authors write it
        questions.append(
            {k: q[k] for k in ("id", "kind", "text", "help", "when", "choices", "choices_from", "citations") if k in q}
        )
    if not states_questions and not yes_no_only:  # keep one for_each-able question even in tiny books
        qid = qids[-1]
        b.kind[qid] = "many_of"
        b.witness[qid] = STATES[:2]
        b.own_choices.pop(qid, None)
        questions[-1] = {k: v for k, v in questions[-1].items() if k != "choices"} | {
            "kind": "many_of",
            "choices_from": LIST_ID,
        }
        questions[-1] = {
            k: questions[-1][k]
            for k in ("id", "kind", "text", "help", "when", "choices_from", "citations")
            if k in questions[-1]
        }
        states_questions.append(qid)

    # Obligations: obligation k uses question k mod n_q first, so every question is used.
    obligations: list[dict[str, Any]] = []
    q_index = {qid: i for i, qid in enumerate(qids)}
    for k in range(n_o):
        primary = qids[k % n_q]
        i = q_index[primary]
        near = qids[max(0, i - 40) : i + 1]
        depth = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
        gen.depth_counts[depth] = gen.depth_counts.get(depth, 0) + 1
        pool = [primary] + [rng.choice(near) for _ in range(12)]
        ob: dict[str, Any] = {"id": f"ob{k:06d}"}
        fe = k % 10 == 3 and bool(states_questions)
        if fe:
            fq = rng.choice(states_questions)
            ob["for_each"] = {"question": fq, "table": TABLE_ID}
            ob["title"] = f"Notify the authority in {{item_label}} (duty {k})"
            ob["description"] = f"File with {{authority}} within {{deadline}} (duty {k})."
            gen.for_each += 1
        else:
            ob["title"] = f"Meet duty {k} for criterion {i}"
            ob["description"] = f"The sponsor meets duty {k}; the cited provision sets out how."
        ob["actor"] = rng.choice(("maker", "sponsor", "shipper"))
        ob["phase"] = rng.choice(("make", "trial", "market"))
        ob["when"] = b.cond(pool, depth, True)
        if rng.random() < 0.2:
            ob["unless"] = b.cond([rng.choice(near)], rng.randint(1, 2), False)
        ob["citations"] = cite(f"Art {k % 89 + 1}")
        ob["status"] = rng.choice(("binding_law", "binding_law", "guidance", "national_practice", "proposed"))
        ob["verification"] = rng.choice(("confirmed", "confirmed", "secondary", "unverified"))
        if rng.random() < 0.1:
            ob["valid_from"] = date(2030, 1, 1)
        ob["checklist"] = (
            ["Notify {authority}", "Keep the receipt"] if fe else [f"Prepare the file for duty {k}", "Keep records"]
        )
        obligations.append(ob)

    # Topic files: contiguous blocks of questions, with the obligations that use them first.
    q_per, o_per = -(-n_q // n_topics), -(-n_o // n_topics)
    topics = [f"topic_{t:03d}" for t in range(n_topics)]
    obs_by_topic: list[list[dict[str, Any]]] = [[] for _ in topics]
    for k, ob in enumerate(obligations):
        obs_by_topic[min(n_topics - 1, (k % n_q) // q_per if n_o >= n_q else k // o_per)].append(ob)
    written = 0
    for t, name in enumerate(topics):
        doc = {
            "title": f"Topic {t}",
            "questions": questions[t * q_per : (t + 1) * q_per],
            "obligations": obs_by_topic[t],
        }
        text = (
            f"# Generated topic {t}: {len(doc['questions'])} questions, {len(doc['obligations'])} obligations\n"
            + _dump(doc)
        )
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
        written += len(text.encode())

    meta = {
        "title": f"Generated rulebook ({size} items)",
        "version": "1.0.0",
        "jurisdiction": "Benchland",
        "as_of": date(2026, 1, 1),
        "scope": "Generated for benchmarks; no legal meaning.",
        "topics": topics,
        "actors": {"maker": "Maker", "sponsor": "Sponsor", "shipper": "Shipper"},
        "phases": {"make": "Making", "trial": "Trial", "market": "Market"},
    }
    sources = {
        "sources": [
            {
                "id": f"src_{s:04d}",
                "title": f"Instrument {s}",
                "kind": "regulation",
                "identifier": f"BENCH-{s}",
                "url": f"https://example.org/instrument/{s}",
                "status": rng.choice(("binding_law", "guidance")),
                "last_reviewed": date(2026, 1, 1),
            }
            for s in range(n_src)
        ]
    }
    data = {
        "lists": [{"id": LIST_ID, "title": "States", "items": {s: f"State {s}" for s in STATES}}],
        "tables": [
            {
                "id": TABLE_ID,
                "title": "Authority per state",
                "list": LIST_ID,
                "columns": {"authority": "Authority", "deadline": "Deadline"},
                "rows": {
                    s: {"authority": f"Authority of {s}", "deadline": f"{5 + i % 20} days"}
                    for i, s in enumerate(STATES[:-3])
                },
                "row_verification": {STATES[1]: "secondary", STATES[2]: "unverified"},
                "row_citations": {STATES[0]: [{"source": "src_0000", "ref": "Annex, first row"}]},
            }
        ],
    }
    for path, doc in (
        (root / "rulebook.yaml", meta),
        (root / "sources.yaml", sources),
        (root / "data" / "states.yaml", data),
    ):
        text = _dump(doc)
        path.write_text(text, encoding="utf-8")
        written += len(text.encode())
    gen.bytes_written = written
    return gen
