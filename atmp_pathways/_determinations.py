"""Load-time checks of determinations: references, the catch-all, cycles, shadowed cases, gaps.

A determination is a decision table with DMN's FIRST hit policy: the first case
whose ``when`` holds gives the value. Two table checks follow dmn-check:

* a case is *shadowed* when no answers satisfy it that the earlier cases do not
  already take (the conservative check in ``_sat``: it only reports what it can
  prove, never a false problem);
* a table has a *gap* when some complete answers match no case. Gaps are found
  by searching for a witness over the answers that matter to the table (each
  question's tested values, "not asked" where its own ``when`` is false); the
  witness is printed in the message. When the search would be too large,
  nothing is said.
"""

from __future__ import annotations

import graphlib
import heapq
import itertools
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import networkx as nx

from ._files import FileData
from ._sat import satisfiable
from ._yaml import LinePath
from .errors import closest, did_you_mean
from .models import Citation, Condition, DataTable, Determination, Question
from .plan import PLACEHOLDER

__all__ = ["check_determinations", "lint_determinations"]


class Reporter(Protocol):
    """Where problems go (``_checks._Problems``)."""

    def add(
        self,
        fd: FileData[Any],
        path: LinePath,
        message: str,
        hint: str = "",
        *,
        code: str = "bad_value",
        ref: str = "",
        suggestion: str | None = None,
        severity: Literal["error", "warning"] = "error",
    ) -> None: ...


Add = Callable[..., None]  # (fd, path, message, hint, code, ref="", suggestion=None)


def _reporter(out: Reporter) -> Add:
    def report(
        fd: FileData[Any],
        path: LinePath,
        message: str,
        hint: str,
        code: str,
        ref: str = "",
        suggestion: str | None = None,
    ) -> None:
        out.add(fd, path, message, hint, code=code, ref=ref, suggestion=suggestion)

    return report


WITNESS_LIMIT = 1_000  # partial answer sets tried per table before saying nothing
_PLACEHOLDER_FIELDS = ("item", "item_label")


def check_determinations(
    dets: list[tuple[FileData[Any], int, Determination]],
    conditions: list[tuple[FileData[Any], LinePath, Condition]],
    questions: Mapping[str, Question],
    choices_of: Callable[[Question], Mapping[str, str] | None],
    tables: Mapping[str, DataTable],
    check_citations: Callable[[FileData[Any], LinePath, tuple[Citation, ...]], None],
    out: Reporter,
) -> None:
    """Report every problem with determinations and with conditions that test them.

    ``conditions`` are the other conditions of the rulebook (questions' and
    obligations'), each with its file and key path; cases' conditions are added here.
    """
    by_id = {d.id: d for _, _, d in dets}
    report = add = _reporter(out)
    every = list(conditions)
    for fd, i, d in dets:
        base: LinePath = ("determinations", i)
        for j, case in enumerate(d.cases):
            where: LinePath = (*base, "cases", j)
            if case.when is not None:
                every.append((fd, (*where, "when"), case.when))
            elif case.catch_all and j != len(d.cases) - 1:
                report(
                    fd,
                    where,
                    f"case {j} of determination '{d.id}' has no `when` (a catch-all) but is not the last case",
                    "move it to the end: the first case that holds wins, so the cases after it can never match",
                    "catch_all_not_last",
                )
            if case.value not in d.values:
                report(
                    fd,
                    (*where, "value"),
                    f"'{case.value}' is not a value of determination '{d.id}'",
                    did_you_mean(case.value, d.values) or f"values are: {', '.join(d.values)}",
                    "unknown_choice",
                    case.value,
                    closest(case.value, d.values),
                )
            if case.valid_from and case.valid_to and case.valid_from > case.valid_to:
                report(
                    fd,
                    (*where, "valid_to"),
                    f"validity window is inverted: valid_from {case.valid_from} is after valid_to {case.valid_to}",
                    "swap the dates or correct one",
                    "bad_value",
                )
            check_citations(fd, (*where, "citations"), case.citations)
        check_citations(fd, (*base, "citations"), d.citations)
        if d.valid_from and d.valid_to and d.valid_from > d.valid_to:
            report(
                fd,
                (*base, "valid_to"),
                f"validity window is inverted: valid_from {d.valid_from} is after valid_to {d.valid_to}",
                "swap the dates or correct one",
                "bad_value",
            )
        allowed = _check_table(fd, base, d, questions, tables, report)
        texts: list[tuple[LinePath, str]] = [((*base, "title"), d.title)]
        texts += [((*base, "because"), d.because)] if d.because else []
        texts += [((*base, "cases", j, "because"), c.because) for j, c in enumerate(d.cases)]
        for where, text in texts:
            for name in _placeholders(text):
                if name not in allowed:
                    hint = (
                        f"use one of {{{'}, {'.join(sorted(allowed))}}}"
                        if allowed
                        else "placeholders work only in for_each determinations"
                    )
                    report(fd, where, f"unknown placeholder '{{{name}}}'", hint, "unknown_placeholder")

    for fd, path, cond in every:
        for leaf_path, leaf in _leaves(cond, path):
            if leaf.determination is not None:
                for problem in _check_leaf(leaf, by_id, questions):
                    add(fd, leaf_path, *problem)


def lint_determinations(
    dets: list[tuple[FileData[Any], int, Determination]],
    questions: Mapping[str, Question],
    choices_of: Callable[[Question], Mapping[str, str] | None],
    out: Reporter,
) -> None:
    """Cycles through determinations, shadowed cases and gaps; needs sound references."""
    add = _reporter(out)
    if _report_cycles(dets, questions, add):
        return
    by_id = {d.id: d for _, _, d in dets}
    domains = {d.id: frozenset(d.values) for _, _, d in dets}
    qmap = dict(questions)
    for fd, i, d in dets:
        _check_shadowed(fd, i, d, qmap, domains, add)
        if d.value_from is None and not (d.cases and d.cases[-1].catch_all) and not _covers(d, qmap, domains):
            witness = _gap(d, questions, by_id, choices_of)
            if witness is not None:
                add(
                    fd,
                    ("determinations", i, "cases"),
                    f"determination '{d.id}' has a gap: no case matches {witness}",
                    "add a case for these answers, or end the cases with a catch-all (a case without `when`)",
                    "gap",
                )


def _covers(d: Determination, questions: dict[str, Question], domains: Mapping[str, frozenset[str]]) -> bool:
    """True when the conservative check proves that some undated case always holds (no search needed)."""
    whens = [c.when for c in d.cases if c.when is not None and c.valid_from is None and c.valid_to is None]
    if not whens or len(whens) != len(d.cases):
        return False
    return not satisfiable(None, questions, Condition(any=tuple(whens)), negate_extra=True, determinations=domains)


def _check_table(
    fd: FileData[Any],
    base: LinePath,
    d: Determination,
    questions: Mapping[str, Question],
    tables: Mapping[str, DataTable],
    report: Add,
) -> set[str]:
    """Check ``for_each``/``value_from``; return the placeholder names the texts may use."""
    fe = d.for_each
    if fe is None:
        return set()
    fq = questions.get(fe.question)
    table = tables.get(fe.table)
    if fe.where:
        report(
            fd,
            (*base, "for_each", "where"),
            "'where' filters the items of a per-item obligation, not of a determination",
            "remove it: a determination has a value for every item chosen (use its cases or value_from instead)",
            "bad_value",
        )
    if fq is None:
        report(
            fd,
            (*base, "for_each", "question"),
            f"unknown question '{fe.question}'",
            did_you_mean(fe.question, questions),
            "unknown_ref",
            fe.question,
            closest(fe.question, questions),
        )
    elif fq.kind != "many_of":
        report(
            fd,
            (*base, "for_each", "question"),
            f"question '{fe.question}' is {fq.kind}; for_each needs a many_of question",
            "",
            "bad_value",
        )
    if table is None:
        report(
            fd,
            (*base, "for_each", "table"),
            f"unknown table '{fe.table}'",
            did_you_mean(fe.table, tables),
            "unknown_ref",
            fe.table,
            closest(fe.table, tables),
        )
        return {"item", "item_label"}
    if fq is not None and fq.choices_from is not None and fq.choices_from != table.list:
        report(
            fd,
            (*base, "for_each", "table"),
            f"table '{fe.table}' is keyed by list '{table.list}' but question '{fe.question}' takes its choices from '{fq.choices_from}'",
            "use a table over the same list",
            "bad_value",
        )
    if d.value_from is not None:
        if d.value_from not in table.columns:
            report(
                fd,
                (*base, "value_from"),
                f"table '{table.id}' has no column '{d.value_from}'",
                did_you_mean(d.value_from, table.columns) or f"columns are: {', '.join(table.columns)}",
                "bad_value",
            )
        else:
            for key, row in table.rows.items():
                value = row.get(d.value_from)
                if value is not None and value not in d.values:
                    report(
                        fd,
                        (*base, "value_from"),
                        f"row '{key}' of table '{table.id}' gives '{value}' in column '{d.value_from}', "
                        f"which is not a value of determination '{d.id}'",
                        did_you_mean(value, d.values) or f"values are: {', '.join(d.values)}",
                        "bad_value",
                    )
    return {*_PLACEHOLDER_FIELDS, *table.columns}


def _placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def _leaves(cond: Condition, path: LinePath) -> Iterator[tuple[LinePath, Condition]]:
    if cond.subject is not None:
        yield path, cond
    for key, children in (("all", cond.all), ("any", cond.any)):
        for j, child in enumerate(children or ()):
            yield from _leaves(child, (*path, key, j))
    if cond.not_ is not None:
        yield from _leaves(cond.not_, (*path, "not"))


def _check_leaf(
    leaf: Condition, by_id: Mapping[str, Determination], questions: Mapping[str, Question]
) -> Iterator[tuple[str, str, str, str, str | None]]:
    did = str(leaf.determination)
    d = by_id.get(did)
    if d is None:
        hint = (
            f"'{did}' is a question: write {{question: {did}, …}}"
            if did in questions
            else did_you_mean(did, by_id) or "define it under determinations:"
        )
        yield f"unknown determination '{did}'", hint, "unknown_ref", did, closest(did, by_id)
        return
    if d.for_each is not None:
        yield (
            f"determination '{did}' has one result per item (for_each); a condition cannot test it as a whole",
            f"test the question '{d.for_each.question}' or the table '{d.for_each.table}' instead",
            "bad_value",
            did,
            None,
        )
        return
    operand = leaf.operand
    if isinstance(operand, bool):
        yield (
            f"determination '{did}' needs a value id, got {str(operand).lower()}",
            "quote the value id",
            "bad_value",
            did,
            None,
        )
        return
    for v in (operand,) if isinstance(operand, str) else operand if isinstance(operand, tuple) else ():
        if v not in d.values:
            yield (
                f"'{v}' is not a value of determination '{did}'",
                did_you_mean(str(v), d.values) or f"values are: {', '.join(d.values)}",
                "unknown_choice",
                str(v),
                closest(str(v), d.values),
            )


def _report_cycles(
    dets: list[tuple[FileData[Any], int, Determination]], questions: Mapping[str, Question], report: Add
) -> bool:
    """Cycles that pass through a determination (question-only cycles are the graph lint's)."""
    if not dets:
        return False
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_edges_from(
        (ref, q.id)
        for q in questions.values()
        for ref in (sorted({leaf.subject for leaf in q.when.leaves() if leaf.subject}) if q.when else [])
    )
    where = {d.id: (fd, i) for fd, i, d in dets}
    g.add_edges_from((ref, d.id) for _, _, d in dets for ref in sorted(d.inputs()))
    # A cycle lies inside one strongly connected component: if no determination is in one with
    # a cycle (more than one member, or a self-loop), there is nothing to list (a linear check).
    if not any(
        len(comp) > 1 or any(g.has_edge(n, n) for n in comp)
        for comp in nx.strongly_connected_components(g)
        if comp & where.keys()
    ):
        return False
    seen: set[frozenset[str]] = set()
    for cycle in nx.simple_cycles(g, length_bound=12):
        members = frozenset(cycle)
        if not members & where.keys() or members in seen:
            continue
        seen.add(members)
        first = min(range(len(cycle)), key=lambda k: (cycle[k] not in where, where.get(cycle[k], (None, 0))[1]))
        names = cycle[first:] + cycle[:first]
        fd, i = where[names[0]]
        report(
            fd,
            ("determinations", i),
            "determinations form a cycle: " + " → ".join([*names, names[0]]),
            "a determination may only test questions and determinations that do not depend on it",
            "cycle",
        )
        if len(seen) >= 20:
            break
    return bool(seen)


def _check_shadowed(
    fd: FileData[Any],
    i: int,
    d: Determination,
    questions: dict[str, Question],
    domains: Mapping[str, frozenset[str]],
    report: Add,
) -> None:
    for j, case in enumerate(d.cases):
        if case.when is None:
            continue  # a catch-all after complete cases is a harmless safety net; dated cases are the gap check's
        # A dated earlier case may be out of force, so only undated ones can shadow.
        earlier = [c.when for c in d.cases[:j] if c.when is not None and c.valid_from is None and c.valid_to is None]
        extra = Condition(any=tuple(earlier)) if earlier else None
        if not satisfiable(case.when, questions, extra, negate_extra=True, determinations=domains):
            reason = (
                "earlier cases already take every answer that satisfies its `when`"
                if earlier
                else "its `when` can never hold"
            )
            report(
                fd,
                ("determinations", i, "cases", j),
                f"case {j} of determination '{d.id}' (value '{case.value}') can never match: {reason}",
                "reorder the cases (the first that holds wins), narrow the earlier ones, or remove this one",
                "shadowed",
            )


# ---- the gap witness search --------------------------------------------------------------------


class _Skip:
    """A question not asked (its `when` is false), or a determination with no value."""

    def __repr__(self) -> str:
        return "not asked"


_NA = _Skip()


def _holds(cond: Condition, values: Mapping[str, object]) -> bool | None:
    """Three-valued evaluation on partial answers: a subject missing from ``values`` is not known yet."""
    subject = cond.subject
    if subject is not None:
        if subject not in values or values[subject] is _OPEN:
            return None
        value, op, operand = values[subject], cond.operator, cond.operand
        if value is _NA:
            return op == "answered" and operand is False
        if op == "answered":
            return bool(operand)
        if op == "is":
            return value == operand and type(value) is type(operand)
        if op == "in":
            return isinstance(operand, tuple) and value in operand
        if op == "includes":
            wanted = (operand,) if isinstance(operand, str) else operand
            return isinstance(value, frozenset) and isinstance(wanted, tuple) and any(w in value for w in wanted)
        if isinstance(value, date) and isinstance(operand, date):
            return value < operand if op == "before" else value >= operand
        return False
    if cond.not_ is not None:
        inner = _holds(cond.not_, values)
        return None if inner is None else not inner
    results = [_holds(c, values) for c in cond.children()]
    if cond.all is not None:
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


class _Open:
    """A determination that the answers given so far do not settle."""


_OPEN = _Open()


def _decide(d: Determination, values: Mapping[str, object], day: date | None) -> object:
    """FIRST hit on partial answers: a value, ``_NA`` (no case can hold) or ``_OPEN``."""
    if not d.in_force(day):
        return _NA
    for case in d.cases:
        if not case.in_force(day):
            continue
        holds = True if case.when is None else _holds(case.when, values)
        if holds is None:
            return _OPEN
        if holds:
            return case.value
    return _NA


def _gap(
    target: Determination,
    questions: Mapping[str, Question],
    by_id: Mapping[str, Determination],
    choices_of: Callable[[Question], Mapping[str, str] | None],
) -> str | None:
    """Answers that match no case of ``target``, in words; None when there are none or it is too costly to tell.

    Questions are answered one at a time in dependency order; a branch is left as soon
    as the answers so far settle the table (some case holds whatever the rest), and a
    gap is found as soon as no case can hold any more.
    """
    deps: dict[str, set[str]] = {}
    todo = [target.id]
    while todo:
        node = todo.pop()
        if node in deps:
            continue
        if node in by_id:
            fe = by_id[node].for_each
            deps[node] = by_id[node].inputs() - ({fe.question} if fe is not None else set())
        else:
            q = questions[node]
            deps[node] = {leaf.subject for leaf in q.when.leaves() if leaf.subject} if q.when else set()
        todo.extend(deps[node])
    order = _first_needed_first(target, deps, by_id)
    asked = [n for n in order if n in questions]
    decided = [n for n in order if n in by_id]
    leaves = [leaf for node in deps for leaf in _conditions_of(node, questions, by_id)]
    domains: dict[str, list[object]] = {}
    for node in asked:
        domain = _domain(questions[node], [lf for lf in leaves if lf.question == node], choices_of)
        if domain is None:
            return None
        domains[node] = domain
    bounds = sorted(
        {
            day
            for d in (by_id[n] for n in deps if n in by_id)
            for start, end in [(d.valid_from, d.valid_to), *((c.valid_from, c.valid_to) for c in d.cases)]
            for day in (start, end + timedelta(days=1) if end else None)
            if day is not None
        }
    )
    # One day in each stretch between window bounds stands for the whole stretch.
    days: list[date | None] = [bounds[0] - timedelta(days=1), *bounds] if bounds else [None]
    budget = [WITNESS_LIMIT]

    def settle(answers: dict[str, object], day: date | None) -> dict[str, object]:
        known = dict(answers)
        for node in decided:
            known[node] = _decide(by_id[node], known, day)
        return known

    def search(k: int, answers: dict[str, object], day: date | None) -> dict[str, object] | None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLarge
        known = settle(answers, day)
        result = known[target.id]
        if result is _NA:
            return answers if target.in_force(day) else None
        if result is not _OPEN or k == len(asked):
            return None
        q = questions[asked[k]]
        relevant = True if q.when is None else _holds(q.when, known)
        options = domains[q.id] if relevant else [_NA] if relevant is False else [*domains[q.id], _NA]
        for option in options:
            answers[q.id] = option
            if search(k + 1, answers, day) is not None:
                return answers
        del answers[q.id]
        return None

    try:
        for day in days:
            witness = search(0, {}, day)
            if witness is not None:
                shown = ", ".join(f"{n} = {_show(witness[n])}" for n in asked if n in witness)
                return (shown or "any answers") + (f" (as of {day})" if day is not None and len(days) > 1 else "")
    except _TooLarge:
        return None
    return None


def _first_needed_first(
    target: Determination, deps: dict[str, set[str]], by_id: Mapping[str, Determination]
) -> list[str]:
    """Dependency order that answers first what the target's earliest cases read, so branches settle early."""
    rank: dict[str, int] = {}
    for j, case in enumerate(target.cases):
        todo = [leaf.subject for leaf in case.when.leaves() if leaf.subject] if case.when else []
        while todo:
            node = todo.pop()
            if node not in rank:
                rank[node] = j
                todo.extend(deps.get(node, ()))
    sorter = graphlib.TopologicalSorter(deps)
    sorter.prepare()
    ready: list[tuple[int, str]] = []
    order: list[str] = []
    while sorter.is_active():
        for node in sorter.get_ready():
            heapq.heappush(ready, (-1 if node in by_id else rank.get(node, len(target.cases)), node))
        node = heapq.heappop(ready)[1]
        order.append(node)
        sorter.done(node)
    return order


class _TooLarge(Exception):
    pass


def _conditions_of(
    node: str, questions: Mapping[str, Question], by_id: Mapping[str, Determination]
) -> Iterator[Condition]:
    if node in by_id:
        for case in by_id[node].cases:
            if case.when is not None:
                yield from case.when.leaves()
    else:
        when = questions[node].when
        if when is not None:
            yield from when.leaves()


def _domain(
    q: Question, leaves: list[Condition], choices_of: Callable[[Question], Mapping[str, str] | None]
) -> list[object] | None:
    """Answers that stand for every answer the tests can tell apart; None when too many."""
    mentioned: list[object] = []
    for leaf in leaves:
        operand = leaf.operand
        mentioned.extend(operand if isinstance(operand, tuple) else [operand])
    if q.kind == "yes_no":
        return [True, False]
    if q.kind == "one_of":
        choices = list(choices_of(q) or {})
        if len(choices) <= 12:
            return list(choices)
        named: list[object] = [c for c in choices if c in mentioned]
        return named + [c for c in choices if c not in mentioned][:1]
    if q.kind == "many_of":
        items = sorted({str(m) for m in mentioned if isinstance(m, str)})
        if len(items) > 10:
            return None
        return [frozenset(c) for r in range(len(items) + 1) for c in itertools.combinations(items, r)]
    days = {m for m in mentioned if isinstance(m, date)}
    reps = sorted(days | {d - timedelta(days=1) for d in days})
    return list(reps) or [date(2000, 1, 1)]


def _show(value: object) -> str:
    if value is _NA:
        return "not asked"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]"
    return str(value)
