"""Can a condition ever hold? A small, conservative satisfiability check.

Conditions are turned into disjunctive normal form over per-question constraints.
A test on a determination constrains the determination's value as if it were a
free one_of answer (its values, or none when no case matches): looser than the
truth, so the check still never reports a false problem.
When the form grows past ``LIMIT`` terms the answer is "maybe" (treated as
satisfiable), so the check never reports a false problem; it may miss a few.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from .models import Condition, Question

__all__ = ["COMPLEMENT", "SAT_LEAF", "satisfiable"]

LIMIT = 512
Domains = Mapping[str, frozenset[str]]  # determination id → its value ids
_NONE: Domains = {}
EXPANSIONS = 8
"""Most question `when`s one check conjoins before it answers "maybe"."""


@dataclass(frozen=True)
class _C:
    """What a question's answer may be: not asked (na_ok) and/or a value (val_ok)."""

    na_ok: bool = True
    val_ok: bool = True
    allowed: frozenset[object] | None = None  # yes_no / one_of: permitted values
    incl: frozenset[str] = frozenset()  # many_of: items that must be chosen
    excl: frozenset[str] = frozenset()  # many_of: items that must not be chosen
    lo: date | None = None  # date: value >= lo
    hi: date | None = None  # date: value < hi

    def merge(self, other: _C) -> _C | None:
        allowed = (
            self.allowed
            if other.allowed is None
            else other.allowed
            if self.allowed is None
            else self.allowed & other.allowed
        )
        lo = max(d for d in (self.lo, other.lo) if d) if (self.lo or other.lo) else None
        hi = min(d for d in (self.hi, other.hi) if d) if (self.hi or other.hi) else None
        incl, excl = self.incl | other.incl, self.excl | other.excl
        val_ok = (
            self.val_ok
            and other.val_ok
            and not (allowed is not None and not allowed)
            and not (incl & excl)
            and not (lo and hi and lo >= hi)
        )
        na_ok = self.na_ok and other.na_ok
        if not (val_ok or na_ok):
            return None
        return _C(na_ok, val_ok, allowed, incl, excl, lo, hi)

    @property
    def needs_value(self) -> bool:
        return not self.na_ok


Term = dict[str, _C]


def _and(a: list[Term], b: list[Term]) -> list[Term] | None:
    out: list[Term] = []
    for ta in a:
        for tb in b:
            merged = dict(ta)
            ok = True
            for q, c in tb.items():
                if q in merged:
                    m = merged[q].merge(c)
                    if m is None:
                        ok = False
                        break
                    merged[q] = m
                else:
                    merged[q] = c
            if ok:
                out.append(merged)
            if len(out) > LIMIT:
                return None
    return out


def _answered(q: Question, v: object, negated: bool) -> list[Term]:
    wants_value = bool(v) != negated
    return [{q.id: _C(na_ok=not wants_value, val_ok=wants_value)}]


def _is_in(q: Question, values: frozenset[object], negated: bool) -> list[Term]:
    if not negated:
        return [{q.id: _C(na_ok=False, allowed=values)}]
    return [{q.id: _C(na_ok=True, allowed=COMPLEMENT[q.kind](q, values))}]


def _is(q: Question, v: object, negated: bool) -> list[Term]:
    return _is_in(q, frozenset([v]), negated)


def _in(q: Question, v: object, negated: bool) -> list[Term]:
    return _is_in(q, frozenset(v if isinstance(v, tuple) else ()), negated)


def _includes(q: Question, v: object, negated: bool) -> list[Term]:
    items = [v] if isinstance(v, str) else list(v) if isinstance(v, tuple) else []
    if not negated:
        return [{q.id: _C(na_ok=False, incl=frozenset([i]))} for i in items]
    return [{q.id: _C(na_ok=True, excl=frozenset(items))}]


def _dated(below_when_true: bool) -> Callable[[Question, object, bool], list[Term]]:
    def leaf(q: Question, v: object, negated: bool) -> list[Term]:
        if not isinstance(v, date):
            return [{}]
        below = below_when_true != negated
        return [{q.id: _C(na_ok=negated, hi=v) if below else _C(na_ok=negated, lo=v)}]

    return leaf


#: operator → the DNF of a leaf test (or of its negation); one per ``models.OPERATORS``.
SAT_LEAF: dict[str, Callable[[Question, object, bool], list[Term]]] = {
    "is": _is,
    "in": _in,
    "includes": _includes,
    "answered": _answered,
    "before": _dated(True),
    "on_or_after": _dated(False),
}


def _choices_complement(q: Question, values: frozenset[object]) -> frozenset[object] | None:
    if q.choices is not None:
        return frozenset(q.choices) - values
    return None  # shared list: unknown domain here; stay conservative


#: question kind → the answers a negated ``is``/``in`` leaves (None: unknown, stay conservative).
COMPLEMENT: dict[str, Callable[[Question, frozenset[object]], frozenset[object] | None]] = {
    "yes_no": lambda q, values: frozenset({True, False}) - values,
    "one_of": _choices_complement,
    "many_of": _choices_complement,
    "date": lambda q, values: None,
}


def _leaf(cond: Condition, q: Question, negated: bool) -> list[Term]:
    return SAT_LEAF[cond.operator](q, cond.operand, negated)


def _determination_leaf(cond: Condition, domain: frozenset[str], negated: bool) -> list[Term]:
    v = cond.operand
    values = frozenset([v] if cond.operator == "is" else list(v) if isinstance(v, tuple) else [])
    did = str(cond.determination)
    if not negated:
        return [{did: _C(na_ok=False, allowed=values)}]
    return [{did: _C(na_ok=True, allowed=frozenset(domain) - values)}]


def _dnf(cond: Condition, questions: dict[str, Question], negated: bool, dets: Domains = _NONE) -> list[Term] | None:
    if cond.question is not None:
        q = questions.get(cond.question)
        return [{}] if q is None else _leaf(cond, q, negated)
    if cond.determination is not None:
        domain = dets.get(cond.determination)
        return [{}] if domain is None else _determination_leaf(cond, domain, negated)
    if cond.not_ is not None:
        return _dnf(cond.not_, questions, not negated, dets)
    children = list(cond.all or cond.any or ())
    conj = (cond.all is not None) != negated
    parts = []
    for child in children:
        d = _dnf(child, questions, negated, dets)
        if d is None:
            return None
        parts.append(d)
    if conj:
        acc: list[Term] | None = [{}]
        for p in parts:
            acc = _and(acc, p) if acc is not None else None
            if acc is None:
                return None
        return acc
    out = [t for p in parts for t in p]
    return None if len(out) > LIMIT else out


def satisfiable(
    cond: Condition | None,
    questions: dict[str, Question],
    extra: Condition | None = None,
    negate_extra: bool = False,
    determinations: Domains = _NONE,
) -> bool:
    """Whether ``cond`` (and, if given, ``extra`` / its negation) can hold for some answers.

    A test that needs a question answered also needs that question to be asked,
    so the question's own ``when`` is conjoined (transitively). ``determinations``
    gives the value ids of each determination that conditions may test.
    """
    terms: list[Term] | None = [{}]
    if cond is not None:
        terms = _dnf(cond, questions, False, determinations)
    if terms is not None and extra is not None:
        more = _dnf(extra, questions, negate_extra, determinations)
        terms = _and(terms, more) if more is not None else None
    if terms is None:
        return True
    for term in terms:
        if _term_ok(term, questions, determinations):
            return True
    return False


# question `when` → its normal form, for the question map (and determinations) last asked
# about: a lint asks about the same `when`s thousands of times. Only one map is kept (a new
# rulebook starts afresh), and entries hold the `when` they are keyed by, so ids are never reused.
_RELEVANCE: dict[int, tuple[object, list[Term] | None]] = {}
_RELEVANCE_OF: list[object] = [None, None]


def _relevance(q: Question, questions: dict[str, Question], dets: Domains) -> list[Term] | None:
    if _RELEVANCE_OF[0] is not questions or _RELEVANCE_OF[1] is not dets:
        _RELEVANCE.clear()
        _RELEVANCE_OF[:] = [questions, dets]
    hit = _RELEVANCE.get(id(q.when))
    if hit is not None and hit[0] is q.when:
        return hit[1]
    terms = _dnf(q.when, questions, False, dets) if q.when is not None else [{}]
    _RELEVANCE[id(q.when)] = (q.when, terms)
    return terms


def _term_ok(term: Term, questions: dict[str, Question], dets: Domains) -> bool:
    """Conjoin the `when` of every question this term needs answered; any survivor is enough.

    Depth-first over a stack, not by recursion: a chain of thousands of questions, each asked
    only after the one before, must not overflow the interpreter's stack. Each stack entry
    carries the questions still to look at, so a step costs the size of one `when`, not of
    the whole term. After ``EXPANSIONS`` `when`s the answer is "maybe" (satisfiable): a
    chain's cost is then linear in its length instead of cubic.
    """
    stack: list[tuple[Term, frozenset[str], list[str]]] = [(term, frozenset(), list(reversed(term)))]
    budget = EXPANSIONS
    while stack:
        term, seen, todo = stack.pop()
        found: Question | None = None
        while todo:
            qid = todo.pop()
            q = questions.get(qid)
            if q is not None and q.when is not None and qid not in seen and term[qid].needs_value:
                found = q
                break
        if found is None or found.when is None:
            return True
        budget -= 1
        if budget < 0:
            return True
        relevance = _relevance(found, questions, dets)
        if relevance is None or len(relevance) > LIMIT:
            return True
        now_seen = seen | {found.id}
        for extra in reversed(relevance):
            merged = dict(term)  # _C is frozen: a shallow copy is enough
            for qid, c in extra.items():
                if qid in merged:
                    both = merged[qid].merge(c)
                    if both is None:
                        break
                    merged[qid] = both
                else:
                    merged[qid] = c
            else:
                stack.append((merged, now_seen, todo + list(reversed(extra))))
    return False
