"""What a rulebook needs at every evaluation, computed once per rulebook: ``Rulebook.plan``.

The asking order (parents before children, otherwise topic and file order), each
question's ancestors, resolved citations, and the answer-independent part of each
finding. A ``Plan`` belongs to one rulebook and lives as long as it does.

>>> from atmp_pathways.loader import load_rulebook
>>> [q.id for q in load_rulebook("tests/fixtures/toy_rules").plan.order][:2]
['uses_widgets', 'widget_count_large']
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx

from .models import Citation, Condition, Determination, Obligation, Question, Rulebook
from .outcome import Finding, ResolvedCitation

__all__ = ["PLACEHOLDER", "Filed", "Plan"]

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_VERIFY_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
JUDGED_KEPT = 50_000
Filed = tuple[tuple[tuple[str, Finding], ...], frozenset[str]]  # (bucket, finding)s; questions waited for


class Plan:
    """The per-rulebook plan. Build it through ``book.plan`` (a cached property)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        file_rank = {q.id: i for i, q in enumerate(book.questions)}
        dets = book.determinations_by_id
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(file_rank)
        graph.add_nodes_from(dets)
        parents: dict[str, set[str]] = {}
        for q in book.questions:
            parents[q.id] = (_subjects(q.when) & graph.nodes) if q.when else set()
        for d in book.determinations:
            parents[d.id] = d.inputs() & graph.nodes
        for node, ps in parents.items():
            graph.add_edges_from((p, node) for p in ps)

        def key(node: str) -> tuple[int, int]:
            # A determination is worked out as soon as its inputs are known, before the next question.
            return (0, dets_rank[node]) if node in dets_rank else (1, file_rank[node])

        dets_rank = {d.id: i for i, d in enumerate(book.determinations)}
        steps = list(nx.lexicographical_topological_sort(graph, key=key))
        #: questions and determinations in the order ``logic.resolve`` works them out.
        self.steps: tuple[Question | Determination, ...] = tuple(
            dets[n] if n in dets else book.questions_by_id[n] for n in steps
        )
        order = [n for n in steps if n in file_rank]
        self.order: tuple[Question, ...] = tuple(book.questions_by_id[q] for q in order)
        self.rank: dict[str, int] = {q: i for i, q in enumerate(order)}
        reach: dict[str, frozenset[str]] = {}  # node → every question or determination it depends on
        for node in steps:  # parents come first, so their ancestors are known
            acc = set(parents[node])
            for p in parents[node]:
                acc |= reach[p]
            reach[node] = frozenset(acc)
        # question → the questions it depends on, directly or through determinations.
        self.ancestors = {q: frozenset(reach[q] & file_rank.keys()) for q in order}
        #: determination → the questions that decide it (through other determinations too).
        self.decided_by: dict[str, frozenset[str]] = {d: frozenset(reach[d] & file_rank.keys()) for d in dets}
        # Determinations whose value depends on the assessment date (a window on it, a case or an input).
        self.dated = frozenset(
            d.id for d in book.determinations if any(_windowed(dets[x]) for x in (reach[d.id] & dets.keys()) | {d.id})
        )
        self.citations: dict[str, tuple[ResolvedCitation, ...]] = {
            ob.id: resolve_citations(book, ob.citations) for ob in book.obligations
        }
        #: (determination id, case index) → resolved citations; (id, None) → the determination's own.
        self.case_citations: dict[tuple[str, int | None], tuple[ResolvedCitation, ...]] = {
            (d.id, j): resolve_citations(book, c.citations) for d in book.determinations for j, c in enumerate(d.cases)
        } | {(d.id, None): resolve_citations(book, d.citations) for d in book.determinations}
        # (obligation id, item) → template; filled on first use (for_each items depend on the answers).
        # Filling is idempotent, so concurrent sessions may race harmlessly.
        self._templates: dict[tuple[str, str | None], Finding] = {}
        # obligation id → the questions whose resolved values decide its findings (its conditions'
        # questions, its for_each question, and their ancestors), in asking order.
        self.inputs: dict[str, tuple[str, ...]] = {ob.id: self._inputs(ob) for ob in book.obligations}
        # Obligations that test a determination whose value depends on the assessment date.
        self.dated_obligations = frozenset(
            ob.id
            for ob in book.obligations
            if any(d in self.dated for c in (ob.when, ob.unless) if c is not None for d in c.determinations())
        )
        # (obligation id, timing, values of its inputs) → what evaluate files for it. Answers repeat
        # from rerun to rerun (the bench's "evaluate, full answers" is ~2.5× slower without it).
        # Bounded; entries are immutable and equal whoever computes them, so races are harmless.
        self.judged: dict[Hashable, Filed] = {}
        # determination → the questions that decide it, in asking order; (id, day, their values) →
        # its results, so a rerun with the same answers rebuilds none of them. Bounded like ``judged``.
        self.decided_inputs: dict[str, tuple[str, ...]] = {
            d: tuple(sorted(qs, key=self.rank.__getitem__)) for d, qs in self.decided_by.items()
        }
        self.concluded: dict[Hashable, tuple[Any, ...]] = {}
        #: topic → its questions in asking order (topics without questions left out).
        self.topic_questions: dict[str, tuple[Question, ...]] = {}
        for q in self.order:
            self.topic_questions.setdefault(book.topic_of[q.id], ())
            self.topic_questions[book.topic_of[q.id]] += (q,)
        #: (answers' resolved values, undecided) → ``explain.skipped_topics``; bounded like ``judged``.
        self.skipped: dict[Hashable, tuple[Any, ...]] = {}
        #: topics that define an obligation or a determination (skipping them may change a result).
        self.topics_with_rules = frozenset(
            [book.topic_of[o.id] for o in book.obligations] + [book.topic_of[d.id] for d in book.determinations]
        )

    def _inputs(self, ob: Obligation) -> tuple[str, ...]:
        direct: set[str] = set()
        for cond in (ob.when, ob.unless):
            if cond is not None:
                direct |= cond.questions()
                for d in cond.determinations():
                    direct |= self.decided_by.get(d, frozenset())
        if ob.for_each is not None:
            direct.add(ob.for_each.question)
        return tuple(sorted(self.with_ancestors(direct) & self.rank.keys(), key=self.rank.__getitem__))

    def remember(self, key: Hashable, value: Filed) -> None:
        if len(self.judged) < JUDGED_KEPT:
            self.judged[key] = value

    def with_ancestors(self, qids: Iterable[str]) -> set[str]:
        out = set(qids)
        for qid in list(out):
            out |= self.ancestors.get(qid, frozenset())
        return out

    def template(self, ob: Obligation, item: str | None) -> Finding:
        """A finding with the fields that do not depend on the answers."""
        key = (ob.id, item)
        found = self._templates.get(key)
        if found is None:
            found = self._templates.setdefault(key, _template(self.book, ob, item, self.citations[ob.id]))
        return found


def _subjects(cond: Condition) -> set[str]:
    return {leaf.subject for leaf in cond.leaves() if leaf.subject}


def _windowed(d: Determination) -> bool:
    return bool(d.valid_from or d.valid_to or any(c.valid_from or c.valid_to for c in d.cases))


def resolve_citations(book: Rulebook, citations: Iterable[Citation]) -> tuple[ResolvedCitation, ...]:
    out = []
    for c in citations:
        src = book.sources_by_id[c.source]
        out.append(
            ResolvedCitation(
                source=src.id,
                title=src.title,
                reference=c.ref,
                url=src.url,
                quote=c.quote,
                source_status=src.status,
                last_reviewed=src.last_reviewed,
            )
        )
    return tuple(out)


def _fill(text: str, fields: Mapping[str, str]) -> str:
    if not fields or "{" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), text)


def _template(book: Rulebook, ob: Obligation, item: str | None, citations: tuple[ResolvedCitation, ...]) -> Finding:
    verification = ob.verification
    details: dict[str, str] = {}
    fields: dict[str, str] = {}
    label = None
    if item is not None and ob.for_each is not None:
        table = book.table(ob.for_each.table)
        label = book.list_items(table.list).get(item, item)
        row = table.rows.get(item)
        fields = {"item": item, "item_label": label}
        if row is None:
            verification = "unverified"
            for col, col_label in table.columns.items():
                fields[col] = "not in our data — confirm with the competent authority"
                details[col_label] = fields[col]
        else:
            for col, col_label in table.columns.items():
                fields[col] = row.get(col, "")
                details[col_label] = fields[col]
            row_ver = table.row_verification.get(item, "confirmed")
            if _VERIFY_RANK[row_ver] > _VERIFY_RANK[verification]:
                verification = row_ver
            citations += resolve_citations(book, table.row_citations.get(item, ()))
    return Finding(
        id=f"{ob.id}[{item}]" if item is not None else ob.id,
        obligation=ob.id,
        item=item,
        item_label=label,
        title=_fill(ob.title, fields),
        description=_fill(ob.description, fields),
        topic=book.topic_of[ob.id],
        area=book.area_of(ob),
        actor=ob.actor,
        phase=ob.phase,
        status=ob.status,
        verification=verification,
        valid_from=ob.valid_from,
        valid_to=ob.valid_to,
        due=ob.due or book.meta.phase_milestones.get(ob.phase),
        citations=citations,
        checklist=tuple(_fill(line, fields) for line in ob.checklist),
        details=details,
        notes=ob.notes,
        state="undetermined",
        effect=ob.effect,
    )
