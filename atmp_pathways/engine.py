"""Pure evaluation: answers + as-of date → next question and outcome. No I/O.

Three-valued logic: a condition is true, false or not yet known (``None``). A
question whose own ``when`` is false is *not asked*; tests on it are false and its
stored answer, if any, is kept but ignored.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> next_question(book, {}).id
'uses_widgets'
>>> [f.id for f in evaluate(book, {"uses_widgets": False}).applicable]
[]
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ._checks import PLACEHOLDER
from .errors import AnswersError, did_you_mean
from .models import AnswerValue, Citation, Condition, Obligation, Question, Rulebook
from .outcome import Finding, FindingState, Outcome, Reason, ResolvedCitation, Stamp

__all__ = ["evaluate", "next_question", "pending_questions", "validate_answers", "question_order"]


class _NA:
    """A question that is not asked: its `when` is false."""

    def __repr__(self) -> str:
        return "not asked"


class _Unknown:
    def __repr__(self) -> str:
        return "not answered yet"


NA = _NA()
UNKNOWN = _Unknown()
Tri = bool | None
_VERIFY_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
_HORIZON = {"agreed_not_in_force", "proposed"}
_REASONS_KEPT = 100_000  # bounds on the per-rulebook caches of leaf reasons and of findings
_FINDINGS_KEPT = 20_000


@dataclass(frozen=True)
class _Index:
    order: tuple[Question, ...]
    ancestors: dict[str, frozenset[str]]
    rank: dict[str, int]
    citations: dict[str, tuple[ResolvedCitation, ...]]
    # (obligation id, item) → the answer-independent fields of its Finding, filled on first use.
    static: dict[tuple[str, str | None], Finding] = field(default_factory=dict)
    # (condition id, wanted result) → the condition in the user's words, filled on first use.
    words: dict[tuple[int, bool], str] = field(default_factory=dict)
    # (condition id, wanted result, path, answer) → its Reason: answers repeat from rerun to rerun.
    reasons: dict[tuple[int, bool, str, object], Reason] = field(default_factory=dict)
    findings: dict[tuple[object, ...], Finding] = field(default_factory=dict)


class _Values(dict[str, object]):
    """Resolved answers; once complete, ``memo`` caches combinator results by condition id.

    The memo lives for one call only (one ``_resolve``), so it needs no lock.
    """

    __slots__ = ("memo",)

    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[int, Tri] | None = None


_CACHE: dict[int, tuple[Rulebook, _Index]] = {}
_LOCK = threading.Lock()


def _index(book: Rulebook) -> _Index:
    hit = _CACHE.get(id(book))
    if hit is not None and hit[0] is book:
        return hit[1]
    rank = {q.id: i for i, q in enumerate(book.questions)}
    deps = {
        q.id: sorted(q.when.questions() & rank.keys(), key=rank.__getitem__) if q.when else [] for q in book.questions
    }
    # Kahn's algorithm, always taking the earliest question (file order) that is ready.
    children: dict[str, list[str]] = {q.id: [] for q in book.questions}
    missing = {qid: len(d) for qid, d in deps.items()}
    for qid, ds in deps.items():
        for d in ds:
            children[d].append(qid)
    ready = [rank[qid] for qid, n in missing.items() if n == 0]
    heapq.heapify(ready)
    ids = [q.id for q in book.questions]
    final: list[str] = []
    while ready:
        qid = ids[heapq.heappop(ready)]
        final.append(qid)
        for child in children[qid]:
            missing[child] -= 1
            if missing[child] == 0:
                heapq.heappush(ready, rank[child])
    ancestors: dict[str, frozenset[str]] = {}
    for qid in final:
        acc: set[str] = set()
        for d in deps[qid]:
            acc.add(d)
            acc |= ancestors[d]
        ancestors[qid] = frozenset(acc)
    citations = {ob.id: _resolve_citations(book, ob.citations) for ob in book.obligations}
    built = _Index(tuple(book.question(q) for q in final), ancestors, {q: i for i, q in enumerate(final)}, citations)
    with _LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[id(book)] = (book, built)
    return built


def question_order(book: Rulebook) -> tuple[Question, ...]:
    """Questions in asking order: topic order and file order, parents before children."""
    return _index(book).order


def validate_answers(book: Rulebook, answers: Mapping[str, object]) -> list[str]:
    """Every problem with ``answers`` as a plain sentence; [] when they fit the rulebook."""
    problems = []
    for qid, value in answers.items():
        q = book.questions_by_id.get(qid)
        if q is None:
            hint = did_you_mean(str(qid), book.questions_by_id)
            problems.append(
                f"Answer given for unknown question '{qid}'." + (f" {hint[:1].upper()}{hint[1:]}" if hint else "")
            )
            continue
        choices = book.choices(q)
        if q.kind == "yes_no" and not isinstance(value, bool):
            problems.append(f"'{qid}' needs true or false, got {value!r}.")
        elif q.kind == "one_of" and (not isinstance(value, str) or value not in choices):
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            problems.append(f"'{qid}' needs one of {', '.join(choices)}; got {value!r}." + (f" {hint}" if hint else ""))
        elif q.kind == "many_of":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"'{qid}' needs a list of choices, got {value!r}.")
                continue
            bad = [v for v in value if v not in choices]
            if bad:
                problems.append(
                    f"'{qid}': {', '.join(repr(b) for b in bad)} not among its choices ({', '.join(list(choices)[:12])}{'…' if len(choices) > 12 else ''})."
                )
            if len(set(value)) != len(value):
                problems.append(f"'{qid}' lists a choice twice.")
        elif q.kind == "date" and (not isinstance(value, date) or isinstance(value, bool)):
            problems.append(f"'{qid}' needs a date (YYYY-MM-DD), got {value!r}.")
    return problems


def _check(book: Rulebook, answers: Mapping[str, AnswerValue]) -> None:
    problems = validate_answers(book, answers)
    if problems:
        raise AnswersError(problems)


def _resolve(book: Rulebook, answers: Mapping[str, AnswerValue]) -> dict[str, object]:
    """question id → answer, NA (not asked) or UNKNOWN, in asking order."""
    values = _Values()
    for q in _index(book).order:
        relevant: Tri = True if q.when is None else _eval(q.when, values)
        if relevant is False:
            values[q.id] = NA
        elif relevant is None:
            values[q.id] = UNKNOWN
        else:
            values[q.id] = answers.get(q.id, UNKNOWN)
    values.memo = {}  # values are final: conditions may now be cached
    return values


def _leaf(cond: Condition, value: object) -> Tri:
    op, operand = cond.operator, cond.operand
    if value is NA:
        return operand is False if op == "answered" else False
    if value is UNKNOWN:
        return None
    if op == "answered":
        return bool(operand)
    if op == "is":
        return value == operand and type(value) is type(operand)
    if op == "in":
        return isinstance(operand, tuple) and value in operand
    if op == "includes":
        wanted = (operand,) if isinstance(operand, str) else operand
        return isinstance(value, list) and isinstance(wanted, tuple) and any(w in value for w in wanted)
    if op == "before":
        return isinstance(value, date) and isinstance(operand, date) and value < operand
    if op == "on_or_after":
        return isinstance(value, date) and isinstance(operand, date) and value >= operand
    return False  # pragma: no cover - models admit no other operator


def _eval(cond: Condition, values: Mapping[str, object]) -> Tri:
    if cond.question is not None:
        return _leaf(cond, values.get(cond.question, UNKNOWN))
    memo = values.memo if isinstance(values, _Values) else None
    if memo is None:
        return _eval_tree(cond, values)
    key = id(cond)  # conditions belong to the rulebook, which outlives the call
    if key not in memo:
        memo[key] = _eval_tree(cond, values)
    return memo[key]


def _eval_tree(cond: Condition, values: Mapping[str, object]) -> Tri:
    if cond.not_ is not None:
        inner = _eval(cond.not_, values)
        return None if inner is None else not inner
    children = cond.all if cond.all is not None else cond.any or ()
    results = [_eval(c, values) for c in children]
    if cond.all is not None:
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def _show(book: Rulebook, qid: str, value: object) -> str:
    if value is NA:
        return "not asked"
    if value is UNKNOWN:
        return "not answered yet"
    q = book.questions_by_id[qid]
    choices = book.choices(q)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(choices.get(str(v)) or str(v) for v in value) or "none"
    if isinstance(value, date):
        return value.isoformat()
    return choices.get(str(value), str(value))


def _label(choices: Mapping[str, str], value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return choices.get(value, value)
    return str(value)


def _words(book: Rulebook, cond: Condition, want: bool) -> str:
    """What a leaf test needs, in the user's words, e.g. ``anything but Not an ATMP``."""
    words = _index(book).words
    key = (id(cond), want)
    text = words.get(key)
    if text is None:
        q = book.questions_by_id[str(cond.question)]
        choices = book.choices(q)
        op, value = cond.operator, cond.operand
        items = value if isinstance(value, tuple) else (value,)
        shown = "; ".join(_label(choices, v) for v in items)
        if op == "is":
            text = shown if want else f"anything but {shown}"
        elif op == "in":
            text = f"one of: {shown}" if want else f"none of: {shown}"
        elif op == "includes":
            if want:
                text = f"to include any of: {shown}" if len(items) > 1 else f"to include {shown}"
            else:
                text = f"to include none of: {shown}" if len(items) > 1 else f"not to include {shown}"
        elif op == "answered":
            text = "an answer" if bool(value) == want else "no answer"
        elif op == "before":
            text = f"a date before {shown}" if want else f"a date on or after {shown}"
        else:
            text = f"a date on or after {shown}" if want else f"a date before {shown}"
        words[key] = text
    return text


def _explain(book: Rulebook, cond: Condition, values: Mapping[str, object], path: str, want: bool) -> list[Reason]:
    """Reasons why ``cond`` evaluated to ``want`` (the trace in words)."""
    if cond.question is not None:
        value = values.get(cond.question, UNKNOWN)
        reasons = _index(book).reasons
        memo_key = (id(cond), want, path, tuple(value) if isinstance(value, list) else value)
        reason = reasons.get(memo_key)
        if reason is None:
            q = book.questions_by_id[cond.question]
            text = f"{q.text} — {_show(book, q.id, value)}"
            if not (want and cond.operator in ("is", "answered")):  # the answer alone says it otherwise
                text += f" (needed {_words(book, cond, want)})"
            reason = Reason(path=path, question=q.id, text=text)
            if len(reasons) < _REASONS_KEPT:
                reasons[memo_key] = reason
        return [reason]
    if cond.not_ is not None:
        return _explain(book, cond.not_, values, f"{path}.not", not want)
    key = "all" if cond.all is not None else "any"
    children = list(cond.all or cond.any or ())
    is_and = (key == "all") == want  # need every child to be `want`
    out: list[Reason] = []
    for i, child in enumerate(children):
        if _eval(child, values) is want:
            out.extend(_explain(book, child, values, f"{path}.{key}[{i}]", want))
            if not is_and:
                break
    return out


def _first_failure(book: Rulebook, cond: Condition, values: Mapping[str, object], path: str, want: bool) -> str:
    """The first condition on the path that stops ``cond`` being ``want``."""
    if cond.question is not None:
        value = values.get(cond.question, UNKNOWN)
        q = book.questions_by_id[cond.question]
        rule = _words(book, cond, want)
        if value is NA:
            return f"{path}: “{q.text}” was not asked (its own condition does not hold)"
        return f"{path}: “{q.text}” needed {rule}; answered: {_show(book, q.id, value)}"
    if cond.not_ is not None:
        return _first_failure(book, cond.not_, values, f"{path}.not", not want)
    key = "all" if cond.all is not None else "any"
    children = list(cond.all or cond.any or ())
    if (key == "all") == want:
        for i, child in enumerate(children):
            if _eval(child, values) is (not want):
                return _first_failure(book, child, values, f"{path}.{key}[{i}]", want)
    parts = [_first_failure(book, c, values, f"{path}.{key}[{i}]", want) for i, c in enumerate(children)]
    return f"{path}: none of the alternatives holds — " + "; ".join(parts)


def _unknown_questions(cond: Condition, values: Mapping[str, object]) -> set[str]:
    """Questions whose answers could still decide ``cond`` (only in undecided branches)."""
    if _eval(cond, values) is not None:
        return set()
    if cond.question is not None:
        return {cond.question}
    found: set[str] = set()
    for child in cond.children():
        found |= _unknown_questions(child, values)
    return found


def _state(book: Rulebook, ob: Obligation, values: Mapping[str, object]) -> tuple[Tri, set[str]]:
    """Whether the obligation's conditions hold, and the questions it still waits for."""
    when = True if ob.when is None else _eval(ob.when, values)
    unless = False if ob.unless is None else _eval(ob.unless, values)
    result: Tri
    if when is False or unless is True:
        result = False
    elif when is None or unless is None:
        result = None
    else:
        result = True
    waiting: set[str] = set()
    if result is None:
        for cond in (ob.when, ob.unless):
            if cond is not None:
                waiting |= _unknown_questions(cond, values)
    if result is True and ob.for_each is not None:
        item_value = values.get(ob.for_each.question, UNKNOWN)
        if item_value is UNKNOWN:
            result, waiting = None, {ob.for_each.question}
    return result, waiting


def _with_ancestors(book: Rulebook, qids: set[str]) -> set[str]:
    idx = _index(book)
    out = set(qids)
    for qid in qids:
        out |= idx.ancestors.get(qid, frozenset())
    return out


def pending_questions(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> list[Question]:
    """Unanswered questions that are asked now and can still change an outcome, in asking order.

    Validity dates do not change what is asked, so the same answers can be
    evaluated as of any date (``as_of`` is accepted for symmetry).
    """
    _check(book, answers)
    return _pending(book, answers, _resolve(book, answers))


def _pending(
    book: Rulebook, answers: Mapping[str, AnswerValue], values: Mapping[str, object], waiting: set[str] | None = None
) -> list[Question]:
    if waiting is None:
        waiting = set()
        for ob in book.obligations:
            state, qs = _state(book, ob, values)
            if state is None:
                waiting |= qs
    needed = _with_ancestors(book, waiting)
    return [
        q
        for q in _index(book).order
        if q.id in needed
        and values[q.id] is UNKNOWN
        and q.id not in answers
        and (q.when is None or _eval(q.when, values) is True)
    ]


def next_question(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> Question | None:
    """The first question that is asked now, unanswered, and can still change an outcome."""
    pending = pending_questions(book, answers, as_of)
    return pending[0] if pending else None


def _fill(text: str, fields: Mapping[str, str]) -> str:
    if not fields or "{" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), text)


def _resolve_citations(book: Rulebook, citations: Iterable[Citation]) -> tuple[ResolvedCitation, ...]:
    out = []
    for c in citations:
        src = book.sources_by_id[c.source]
        out.append(
            ResolvedCitation(
                source=src.id, title=src.title, reference=c.ref, url=src.url, quote=c.quote, source_status=src.status
            )
        )
    return tuple(out)


def _finding(
    book: Rulebook,
    ob: Obligation,
    state: FindingState,
    *,
    item: str | None = None,
    because: list[Reason] | None = None,
    why_not: str | None = None,
    pending: list[str] | None = None,
) -> Finding:
    idx = _index(book)
    trace = tuple(because or ())
    waits = tuple(pending or ())
    # Findings are immutable and answers repeat from rerun to rerun: reuse an equal one.
    memo_key = (ob.id, item, state, trace, why_not, waits)
    found = idx.findings.get(memo_key)
    if found is not None:
        return found
    key = (ob.id, item)
    template = idx.static.get(key)
    if template is None:
        template = idx.static[key] = _template(book, ob, item)
    t = template  # explicit fields: dataclasses.replace is several times slower on this hot path
    found = Finding(
        id=t.id,
        obligation=t.obligation,
        title=t.title,
        description=t.description,
        topic=t.topic,
        area=t.area,
        actor=t.actor,
        phase=t.phase,
        status=t.status,
        verification=t.verification,
        citations=t.citations,
        checklist=t.checklist,
        state=state,
        item=t.item,
        item_label=t.item_label,
        valid_from=t.valid_from,
        valid_to=t.valid_to,
        details=t.details,
        notes=t.notes,
        because=trace,
        why_not=why_not,
        pending=waits,
    )
    if len(idx.findings) < _FINDINGS_KEPT:
        idx.findings[memo_key] = found
    return found


def _template(book: Rulebook, ob: Obligation, item: str | None) -> Finding:
    """A finding with the fields that do not depend on the answers (cached per rulebook)."""
    citations = _index(book).citations[ob.id]
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
            citations += _resolve_citations(book, table.row_citations.get(item, ()))
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
        citations=citations,
        checklist=tuple(_fill(line, fields) for line in ob.checklist),
        details=details,
        notes=ob.notes,
        state="undetermined",
    )


def evaluate(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> Outcome:
    """Evaluate every obligation as of ``as_of`` (default: the rulebook's review date).

    Raises ``AnswersError`` for unknown question ids or values that do not fit.
    """
    _check(book, answers)
    when_date = as_of or book.meta.as_of
    values = _resolve(book, answers)
    order_rank = _index(book).rank
    buckets: dict[str, list[Finding]] = {
        k: [] for k in ("applies", "applies_from", "horizon", "not_applicable", "undetermined")
    }
    # Once, not per obligation: this was O(obligations × questions).
    unknown = {q for q, v in values.items() if v is UNKNOWN}
    all_waiting: set[str] = set()
    for ob in book.obligations:
        state, waiting = _state(book, ob, values)
        if state is None:
            all_waiting |= waiting
            waits_for = sorted(_with_ancestors(book, waiting) & unknown, key=order_rank.__getitem__)
            buckets["undetermined"].append(_finding(book, ob, "undetermined", pending=waits_for))
            continue
        if state is False:
            if ob.when is not None and _eval(ob.when, values) is False:
                why = _first_failure(book, ob.when, values, "when", True)
            else:
                assert ob.unless is not None
                reasons = _explain(book, ob.unless, values, "unless", True)
                why = "unless: the exception applies — " + "; ".join(r.text for r in reasons)
            buckets["not_applicable"].append(_finding(book, ob, "not_applicable", why_not=why))
            continue
        because = (
            _explain(book, ob.when, values, "when", True)
            if ob.when is not None
            else [Reason(path="when", text="applies to every product in scope")]
        )
        if ob.unless is not None:
            because += _explain(book, ob.unless, values, "unless", False)
        kind: FindingState | Literal["ended"]
        if ob.status in _HORIZON:
            kind = "horizon"
        elif ob.valid_to is not None and when_date > ob.valid_to:
            kind = "ended"
        elif ob.valid_from is not None and when_date < ob.valid_from:
            kind = "applies_from"
        else:
            kind = "applies"
        items: list[str | None] = [None]
        if ob.for_each is not None:
            chosen = values.get(ob.for_each.question)
            items = list(chosen) if isinstance(chosen, list) else []
            if not items:
                buckets["not_applicable"].append(
                    _finding(
                        book,
                        ob,
                        "not_applicable",
                        why_not=f"for_each: nothing chosen for “{book.questions_by_id[ob.for_each.question].text}”",
                    )
                )
                continue
        for item in items:
            if kind == "ended":
                why = f"validity: ceased to apply after {ob.valid_to} (as of {when_date})"
                buckets["not_applicable"].append(
                    _finding(book, ob, "not_applicable", item=item, why_not=why, because=because)
                )
            else:
                extra = list(because)
                if item is not None and ob.for_each is not None:
                    q = book.questions_by_id[ob.for_each.question]
                    extra.append(
                        Reason(
                            path="for_each",
                            question=q.id,
                            text=f"{q.text} — includes {book.list_items(book.table(ob.for_each.table).list).get(item, item)}",
                        )
                    )
                buckets[kind].append(_finding(book, ob, kind, item=item, because=extra))
    ignored = tuple(sorted((q for q in answers if values.get(q) is NA), key=_index(book).rank.__getitem__))
    pend = _pending(book, answers, values, all_waiting)
    meta = book.meta
    return Outcome(
        ruleset=Stamp(
            title=meta.title,
            version=meta.version,
            digest=book.digest,
            jurisdiction=meta.jurisdiction,
            reviewed=meta.as_of,
        ),
        as_of=when_date,
        answers=dict(answers),
        ignored_answers=ignored,
        applicable=tuple(buckets["applies"]),
        upcoming=tuple(buckets["applies_from"]),
        horizon=tuple(buckets["horizon"]),
        not_applicable=tuple(buckets["not_applicable"]),
        undetermined=tuple(buckets["undetermined"]),
        pending_questions=tuple(q.id for q in pend),
    )
