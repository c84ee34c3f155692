"""The rule graph, derived from conditions: lint, reachability, DOT and Mermaid.

Nodes are ``q:<id>`` (questions), ``d:<id>`` (determinations), ``o:<id>``
(obligations) and ``s:<id>`` (sources). Edges run from what a condition tests to
what it decides: question/determination → question (a ``when`` refers to it),
question/determination → determination (a case's ``when``, ``for_each``),
question/determination → obligation (``when``/``unless``/``for_each``), and
question/determination/obligation → source (citations). Authors never write edges.
"""

from __future__ import annotations

import networkx as nx

from ._sat import satisfiable
from .errors import Problem, Severity
from .models import Condition, Rulebook

__all__ = ["build_graph", "lint_rulebook", "to_dot", "to_mermaid"]


def build_graph(book: Rulebook) -> nx.DiGraph[str]:
    """The rule graph of a rulebook.

    >>> from atmp_pathways.loader import load_rulebook
    >>> g = build_graph(load_rulebook("tests/fixtures/toy_rules"))
    >>> g.has_edge("q:uses_widgets", "q:widget_count_large")
    True
    """
    nodes: list[tuple[str, dict[str, object]]] = []
    edges: list[tuple[str, str, dict[str, object]]] = []
    for q in book.questions:
        nodes.append((f"q:{q.id}", {"kind": "question", "label": q.text, "topic": book.topic_of[q.id]}))
    for d in book.determinations:
        attrs: dict[str, object] = {
            "kind": "determination",
            "label": d.title,
            "topic": book.topic_of[d.id],
            "status": d.status,
        }
        nodes.append((f"d:{d.id}", attrs))
    for ob in book.obligations:
        attrs = {"kind": "obligation", "label": ob.title, "topic": book.topic_of[ob.id], "status": ob.status}
        nodes.append((f"o:{ob.id}", attrs))
    for s in book.sources:
        nodes.append((f"s:{s.id}", {"kind": "source", "label": s.title, "topic": "sources", "status": s.status}))
    for q in book.questions:
        for ref in _refs(q.when):
            edges.append((ref, f"q:{q.id}", {"role": "when"}))
        for c in q.citations:
            edges.append((f"q:{q.id}", f"s:{c.source}", {"role": "cites"}))
    for d in book.determinations:
        for case in d.cases:
            for ref in _refs(case.when):
                edges.append((ref, f"d:{d.id}", {"role": "when"}))
            for c in case.citations:
                edges.append((f"d:{d.id}", f"s:{c.source}", {"role": "cites"}))
        if d.for_each is not None:
            edges.append((f"q:{d.for_each.question}", f"d:{d.id}", {"role": "for_each"}))
        for c in d.citations:
            edges.append((f"d:{d.id}", f"s:{c.source}", {"role": "cites"}))
    for ob in book.obligations:
        for role in ("when", "unless"):
            for ref in _refs(getattr(ob, role)):
                edges.append((ref, f"o:{ob.id}", {"role": role}))
        if ob.for_each is not None:
            edges.append((f"q:{ob.for_each.question}", f"o:{ob.id}", {"role": "for_each"}))
        for c in ob.citations:
            edges.append((f"o:{ob.id}", f"s:{c.source}", {"role": "cites"}))
    # Nodes, then edges, in the order they were always added (one batch each is several times
    # faster than a call per node and edge on large rule sets; a repeated edge keeps its last role).
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    edges = []
    for p in book.proposals:  # a proposal cites its source; it is never a rule
        g.add_node(f"p:{p.id}", kind="proposal", label=p.title, topic="proposals")
        g.add_edge(f"p:{p.id}", f"s:{p.citation.source}", role="cites")
    for t in book.tables:
        for cits in t.row_citations.values():
            for c in cits:
                for ob in book.obligations:
                    if ob.for_each is not None and ob.for_each.table == t.id:
                        edges.append((f"o:{ob.id}", f"s:{c.source}", {"role": "cites"}))
                for d in book.determinations:
                    if d.for_each is not None and d.for_each.table == t.id:
                        edges.append((f"d:{d.id}", f"s:{c.source}", {"role": "cites"}))
    g.add_edges_from(edges)
    return g


def _refs(cond: Condition | None) -> list[str]:
    """The graph nodes a condition tests, sorted."""
    if cond is None:
        return []
    return sorted({f"q:{q}" for q in cond.questions()} | {f"d:{d}" for d in cond.determinations()})


def lint_rulebook(book: Rulebook) -> list[Problem]:
    """Graph-level problems: cycles, questions never asked or never used,
    obligations that can never apply, sources never cited."""
    problems: list[Problem] = []
    g = build_graph(book)

    def at(code: str, ident: str, where: str, message: str, hint: str, severity: Severity = "error") -> None:
        path, line = book.locations.get(ident, ("rules/", 0))
        problems.append(Problem(path, line or None, where, message, hint, severity, code, ident))

    # The question-to-question graph, copied out: a subgraph view filters every lookup, which
    # made the acyclicity check below several times slower than the graph itself on long chains.
    qnodes = [n for n in g if n.startswith("q:")]
    qgraph: nx.DiGraph[str] = nx.DiGraph()
    qgraph.add_nodes_from(qnodes)
    qgraph.add_edges_from((u, v) for u in qnodes for v in g.successors(u) if v.startswith("q:"))
    # A linear check first: most rule sets have no cycle, and listing none is slow on long chains.
    cycles = [] if nx.is_directed_acyclic_graph(qgraph) else list(nx.simple_cycles(qgraph, length_bound=12))
    rank = {q.id: i for i, q in enumerate(book.questions)}
    for cycle in cycles[:20]:
        names = [n[2:] for n in cycle]
        first = min(range(len(names)), key=lambda i: rank.get(names[i], 0))
        names = names[first:] + names[:first]
        at(
            "cycle",
            names[0],
            f"question {names[0]}",
            "questions form a cycle: " + " → ".join([*names, names[0]]),
            "a question's `when` may only refer to questions that can be answered before it",
        )
    if cycles:
        return problems  # reachability is meaningless until cycles are broken

    qmap = book.questions_by_id
    domains = {d.id: frozenset(d.values) for d in book.determinations}
    for q in book.questions:
        node = f"q:{q.id}"
        users = [n for n in g.successors(node) if not n.startswith("s:")]
        if not users:
            at(
                "unused",
                q.id,
                f"question {q.id}",
                f"question '{q.id}' is never used: no obligation or question depends on it",
                "refer to it in a `when`/`unless`, or remove it",
            )
        if q.when is not None and not satisfiable(q.when, qmap, determinations=domains):
            at(
                "unreachable",
                q.id,
                f"question {q.id}.when",
                f"question '{q.id}' can never be asked: its `when` can never hold",
                "check the values its condition asks for",
            )
    for ob in book.obligations:
        ok = (
            satisfiable(ob.when, qmap, ob.unless, negate_extra=True, determinations=domains)
            if ob.unless is not None
            else satisfiable(ob.when, qmap, determinations=domains)
        )
        if not ok:
            at(
                "never_applies",
                ob.id,
                f"obligation {ob.id}",
                f"obligation '{ob.id}' can never apply: its conditions can never hold together",
                "check `when` and `unless` against the questions' choices and `when`s",
            )
    for s in book.sources:
        if g.in_degree(f"s:{s.id}") == 0:
            at(
                "uncited",
                s.id,
                f"source {s.id}",
                f"source '{s.id}' is never cited",
                "cite it from a question or obligation, or remove it",
                "warning",
            )
    return problems


def _attrs(g: nx.DiGraph[str], topics: set[str] | None) -> nx.DiGraph[str]:
    if topics is None:
        return g
    keep = [n for n, d in g.nodes(data=True) if d.get("topic") in topics]
    return g.subgraph(keep)


def to_dot(book: Rulebook, topics: set[str] | None = None) -> str:
    """The graph in Graphviz DOT (questions as boxes, obligations as notes)."""
    g = _attrs(build_graph(book), topics)
    shapes = {
        "question": "box",
        "determination": "diamond",
        "obligation": "note",
        "source": "ellipse",
        "proposal": "hexagon",
    }
    colours = {
        "question": "#dbeafe",
        "determination": "#fef3c7",
        "obligation": "#dcfce7",
        "source": "#f3f4f6",
        "proposal": "#fce7f3",
    }
    lines = ["digraph rules {", "  rankdir=LR;", '  node [style=filled, fontname="Helvetica", fontsize=10];']
    for n in sorted(g.nodes):
        d = g.nodes[n]
        kind = d.get("kind", "question")
        label = _quote(n.split(":", 1)[1])
        lines.append(
            f'  "{_quote(n)}" [label="{label}", shape={shapes[kind]}, fillcolor="{colours[kind]}", tooltip="{_quote(str(d.get("label", "")))}"];'
        )
    for a, b in sorted(g.edges):
        e = g.edges[a, b]
        style = ", style=dashed" if e.get("role") in ("unless", "cites") else ""
        lines.append(f'  "{_quote(a)}" -> "{_quote(b)}" [label="{e.get("role", "")}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(book: Rulebook, topics: set[str] | None = None) -> str:
    """The graph as a Mermaid flowchart."""
    g = _attrs(build_graph(book), topics)
    out = ["flowchart LR"]
    ids = {n: f"n{i}" for i, n in enumerate(sorted(g.nodes))}
    for n in sorted(g.nodes):
        d = g.nodes[n]
        name = n.split(":", 1)[1]
        kind = d.get("kind")
        shape = {
            "question": f'["{name}"]',
            "determination": f'{{"{name}"}}',
            "source": f'(["{name}"])',
        }.get(str(kind), f'[/"{name}"/]')
        out.append(f"  {ids[n]}{shape}")
    for a, b in sorted(g.edges):
        e = g.edges[a, b]
        arrow = "-.->" if e.get("role") in ("unless", "cites") else "-->"
        out.append(f"  {ids[a]} {arrow}|{e.get('role', '')}| {ids[b]}")
    return "\n".join(out) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
