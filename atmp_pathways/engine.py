"""Pure evaluation: answers + as-of date → next question and outcome. No I/O.

Three-valued logic (``logic``): a condition is true, false or not yet known. A
question whose own ``when`` is false is *not asked*; tests on it are false and its
stored answer, if any, is kept but ignored. The wording of reasons is in ``explain``;
what is computed once per rulebook (asking order, ancestors, templates) is ``book.plan``.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> next_question(book, {}).id
'uses_widgets'
>>> [f.id for f in evaluate(book, {"uses_widgets": False}).applicable]
[]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Literal

from ._quote import describe_id, shown_and_more
from .conclusions import conclusions
from .errors import SHOW_PROBLEMS, AnswersError, did_you_mean
from .explain import explain, first_failure, plain_failure, skipped_topics
from .logic import NA, UNKNOWN, Tri, Values, evaluate_condition, frozen, resolve, undecided
from .models import KINDS, UNDECIDED, AnswerValue, Obligation, Question, Rulebook
from .outcome import Determined, Finding, FindingState, Outcome, Reason, Stamp
from .plan import Filed

__all__ = ["evaluate", "next_question", "pending_questions", "validate_answers", "question_order"]

_HORIZON = {"agreed_not_in_force", "proposed"}
_BUCKETS = ("applies", "applies_from", "horizon", "not_applicable", "undetermined")


def question_order(book: Rulebook) -> tuple[Question, ...]:
    """Questions in asking order: topic order and file order, parents before children."""
    return book.plan.order


def validate_answers(book: Rulebook, answers: Mapping[str, object], limit: int = SHOW_PROBLEMS) -> list[str]:
    """Every problem with ``answers`` as a plain sentence; [] when they fit the rulebook.

    At most ``limit`` sentences, then "… and N more": a did-you-mean is only worked out for
    problems that are shown, and values are quoted cut short (see ``_quote``).
    """
    problems: list[str] = []
    extra = 0
    for qid, value in answers.items():
        q = book.questions_by_id.get(qid)
        if len(problems) >= limit:  # counted, not worded: no did-you-mean for problems not shown
            extra += q is None or bool(_answer_problems(book, q, value))
            continue
        if q is None:
            shown = describe_id(qid, "question")
            hint = did_you_mean(str(qid), book.questions_by_id) if shown.startswith("'") else ""
            problems.append(
                f"Answer given for {'unknown question ' if shown.startswith(chr(39)) else ''}{shown}."
                + (f" {hint[:1].upper()}{hint[1:]}" if hint else "")
            )
            continue
        problems += _answer_problems(book, q, value)
    return shown_and_more(problems, limit, len(problems) + extra)


def _answer_problems(book: Rulebook, q: Question, value: object) -> list[str]:
    """What is wrong with one answer: "not decided yet" fits only a question that offers it."""
    if value == UNDECIDED and isinstance(value, str):
        if q.undecided is not None:
            return []
        if value not in book.choices(q):
            return [
                f"'{q.id}' cannot be left undecided: only planning questions offer “not decided yet”; "
                f"answer “{q.text}” instead."
            ]
    return KINDS[q.kind].validate(q.id, value, book.choices(q))


def _check(book: Rulebook, answers: Mapping[str, AnswerValue]) -> None:
    problems = validate_answers(book, answers)
    if problems:
        raise AnswersError(problems)


def _state(ob: Obligation, values: Mapping[str, object]) -> tuple[Tri, set[str]]:
    """Whether the obligation's conditions hold, and the questions it still waits for."""
    when = True if ob.when is None else evaluate_condition(ob.when, values)
    unless = False if ob.unless is None else evaluate_condition(ob.unless, values)
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
                waiting |= undecided(cond, values)
    if result is True and ob.for_each is not None and values.get(ob.for_each.question, UNKNOWN) is UNKNOWN:
        result, waiting = None, {ob.for_each.question}
    return result, waiting


def pending_questions(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> list[Question]:
    """Unanswered questions that are asked now and can still change an outcome, in asking order.

    Obligations' validity dates do not change what is asked; a determination whose
    cases have validity windows may, so ``as_of`` (default: the rulebook's review
    date) is passed on to it.
    """
    _check(book, answers)
    return _pending(book, answers, resolve(book, answers, as_of))


def _pending(
    book: Rulebook, answers: Mapping[str, AnswerValue], values: Mapping[str, object], waiting: set[str] | None = None
) -> list[Question]:
    if waiting is None:
        waiting = _determinations_waiting(book, values)
        for ob in book.obligations:
            state, qs = _state(ob, values)
            if state is None:
                waiting |= qs
    needed = book.plan.with_ancestors(waiting)
    return [
        q
        for q in book.plan.order
        if q.id in needed
        and values[q.id] is UNKNOWN
        and q.id not in answers
        and (q.when is None or evaluate_condition(q.when, values) is True)
    ]


def _determinations_waiting(book: Rulebook, values: Mapping[str, object]) -> set[str]:
    """The questions that would settle the undetermined determinations: the wizard asks them too."""
    waiting: set[str] = set()
    if isinstance(values, Values):
        for d in book.determinations:
            if values[d.id] is UNKNOWN:
                waiting |= values.waiting[d.id]
    return waiting


def next_question(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> Question | None:
    """The first question that is asked now, unanswered, and can still change an outcome."""
    pending = pending_questions(book, answers, as_of)
    return pending[0] if pending else None


def _finding(
    book: Rulebook,
    ob: Obligation,
    state: FindingState,
    *,
    item: str | None = None,
    because: list[Reason] | None = None,
    why_not: str | None = None,
    pending: list[str] | None = None,
    why_not_text: str | None = None,
) -> Finding:
    t = book.plan.template(ob, item)
    # Every field spelt out: dataclasses.replace is several times slower on this hot path.
    return Finding(
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
        due=t.due,
        details=t.details,
        notes=t.notes,
        because=tuple(because or ()),
        why_not=why_not,
        why_not_text=why_not_text,
        pending=tuple(pending or ()),
        effect=t.effect,
    )


def _why_not_text(book: Rulebook, ob: Obligation, values: Mapping[str, object]) -> str:
    """Why not, for people: "Not for you because you said …"."""
    if ob.when is not None and evaluate_condition(ob.when, values) is False:
        return "Not for you because " + plain_failure(book, ob.when, values, True) + "."
    assert ob.unless is not None
    reasons = explain(book, ob.unless, values, "unless", True)
    return "Not for you because an exception applies: " + "; ".join(r.text for r in reasons) + "."


def _why_not(book: Rulebook, ob: Obligation, values: Mapping[str, object]) -> str:
    if ob.when is not None and evaluate_condition(ob.when, values) is False:
        return first_failure(book, ob.when, values, "when", True)
    assert ob.unless is not None
    reasons = explain(book, ob.unless, values, "unless", True)
    return "unless: the exception applies — " + "; ".join(r.text for r in reasons)


def _because(book: Rulebook, ob: Obligation, values: Mapping[str, object]) -> list[Reason]:
    because = (
        explain(book, ob.when, values, "when", True)
        if ob.when is not None
        else [Reason(path="when", text="applies to every product in scope")]
    )
    if ob.unless is not None:
        because += explain(book, ob.unless, values, "unless", False)
    return because


def _timing(ob: Obligation, when_date: date) -> FindingState | Literal["ended"]:
    if ob.status in _HORIZON:
        return "horizon"
    if ob.valid_to is not None and when_date > ob.valid_to:
        return "ended"
    if ob.valid_from is not None and when_date < ob.valid_from:
        return "applies_from"
    return "applies"


def _applying(
    book: Rulebook, ob: Obligation, values: Mapping[str, object], kind: FindingState | Literal["ended"], when_date: date
) -> list[tuple[str, Finding]]:
    """The finding(s) of an obligation whose conditions hold (one per item for for_each)."""
    because = _because(book, ob, values)
    items: list[str | None] = [None]
    if ob.for_each is not None:
        fe = ob.for_each
        chosen = values.get(fe.question)
        items = list(chosen) if isinstance(chosen, list) else []
        text = book.questions_by_id[fe.question].text
        if not items:
            why = f"for_each: nothing chosen for “{text}”"
            plain = f"Not for you because you chose nothing for “{text}”."
            return [("not_applicable", _finding(book, ob, "not_applicable", why_not=why, why_not_text=plain))]
        if fe.where:
            table = book.table(fe.table)
            items = [item for item in items if item is not None and fe.keeps(table.rows.get(item))]
            if not items:
                wanted = "; ".join(
                    f"{table.columns[col]} is one of {', '.join(vals)}" for col, vals in fe.where.items()
                )
                why = f"for_each.where: no item chosen for “{text}” has {wanted}"
                plain = f"Not for you because none of your answers to “{text}” is one where {wanted}."
                return [("not_applicable", _finding(book, ob, "not_applicable", why_not=why, why_not_text=plain))]
    out: list[tuple[str, Finding]] = []
    for item in items:
        if kind == "ended":
            why = f"validity: ceased to apply after {ob.valid_to} (as of {when_date})"
            plain = f"No longer applies: it ceased to apply after {ob.valid_to}."
            found = _finding(book, ob, "not_applicable", item=item, why_not=why, because=because, why_not_text=plain)
            out.append(("not_applicable", found))
            continue
        extra = list(because)
        if item is not None and ob.for_each is not None:
            q = book.questions_by_id[ob.for_each.question]
            label = book.list_items(book.table(ob.for_each.table).list).get(item, item)
            extra.append(Reason(path="for_each", question=q.id, text=f"{q.text} — includes {label}"))
        out.append((kind, _finding(book, ob, kind, item=item, because=extra)))
    return out


def _judge(book: Rulebook, ob: Obligation, values: Mapping[str, object], unknown: set[str], when_date: date) -> Filed:
    """What evaluate files for one obligation, and the questions it waits for."""
    state, waiting = _state(ob, values)
    if state is None:
        plan = book.plan
        waits_for = sorted(plan.with_ancestors(waiting) & unknown, key=plan.rank.__getitem__)
        return (("undetermined", _finding(book, ob, "undetermined", pending=waits_for)),), frozenset(waiting)
    if state is False:
        return (
            (
                "not_applicable",
                _finding(
                    book,
                    ob,
                    "not_applicable",
                    why_not=_why_not(book, ob, values),
                    why_not_text=_why_not_text(book, ob, values),
                ),
            ),
        ), frozenset()
    return tuple(_applying(book, ob, values, _timing(ob, when_date), when_date)), frozenset()


def _filed(book: Rulebook, ob: Obligation, values: Mapping[str, object], unknown: set[str], when_date: date) -> Filed:
    """``_judge``, remembered on the plan by the values of the questions that decide it."""
    plan = book.plan
    kind = _timing(ob, when_date)
    dated = kind == "ended" or ob.id in plan.dated_obligations
    key = (ob.id, kind, when_date if dated else None, *(frozen(values[q]) for q in plan.inputs[ob.id]))
    if isinstance(values, Values) and values.undecided:  # "not decided yet" and "not answered" differ for `answered`
        key += (frozenset(values.undecided),)
    hit = plan.judged.get(key)
    if hit is None:
        hit = _judge(book, ob, values, unknown, when_date)
        plan.remember(key, hit)
    return hit


def evaluate(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> Outcome:
    """Evaluate every obligation as of ``as_of`` (default: the rulebook's review date).

    Raises ``AnswersError`` for unknown question ids or values that do not fit.
    """
    _check(book, answers)
    when_date = as_of or book.meta.as_of
    values = resolve(book, answers, when_date)
    plan = book.plan
    buckets: dict[str, list[Finding]] = {k: [] for k in _BUCKETS}
    unknown = {q for q, v in values.items() if v is UNKNOWN}  # once, not per obligation
    all_waiting = _determinations_waiting(book, values)
    for ob in book.obligations:
        filed, waiting = _filed(book, ob, values, unknown, when_date)
        all_waiting |= waiting
        for bucket, finding in filed:
            buckets[bucket].append(finding)
    ignored = tuple(sorted((q for q in answers if values.get(q) is NA), key=plan.rank.__getitem__))
    pend = _pending(book, answers, values, all_waiting)
    undetermined, depends = buckets["undetermined"], []
    determined = conclusions(book, values, when_date)
    if values.undecided:  # what only a "not decided yet" answer leaves open depends on it
        open_now = {q.id for q in pend}
        undetermined = []
        for f in buckets["undetermined"]:
            hung = _hung_on(f.pending, values.undecided, open_now)
            if hung:
                depends.append(replace(f, state="depends", undecided=hung))
            else:
                undetermined.append(f)
        determined = tuple(_settled_later(d, values.undecided, open_now) for d in determined)
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
        undetermined=tuple(undetermined),
        pending_questions=tuple(q.id for q in pend),
        determinations=determined,
        depends=tuple(depends),
        undecided=tuple(sorted(values.undecided, key=plan.rank.__getitem__)),
        skipped=skipped_topics(book, values),
    )


def _hung_on(pending: tuple[str, ...], undecided: set[str], open_now: set[str]) -> tuple[str, ...]:
    """The "not decided yet" answers that alone keep something open (() if a question still to ask may settle it)."""
    if any(q in open_now for q in pending):
        return ()
    return tuple(q for q in pending if q in undecided)


def _settled_later(d: Determined, undecided: set[str], open_now: set[str]) -> Determined:
    hung = _hung_on(d.pending, undecided, open_now) if d.pending else ()
    return replace(d, undecided=hung) if hung else d
