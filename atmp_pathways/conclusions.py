"""What the determinations concluded, as ``Determined`` results for the outcome.

``logic.resolve`` has already worked out each determination's value (and the
questions an undetermined one waits for); this module puts the words, citations
and trace around it, and expands ``for_each`` determinations per chosen item.

>>> from atmp_pathways.loader import load_rulebook
>>> from atmp_pathways.logic import resolve
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> [(d.id, d.value, d.pending) for d in conclusions(book, resolve(book, {"uses_widgets": True}), book.meta.as_of)]
[('maker_size', None, ('widget_count_large',))]
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .explain import explain, first_failure
from .logic import NA, UNKNOWN, Values, frozen
from .models import Determination, Rulebook
from .outcome import Determined, Reason, ResolvedCitation
from .plan import JUDGED_KEPT, PLACEHOLDER, resolve_citations

__all__ = ["conclusions"]

_VERIFY_RANK = {"confirmed": 0, "secondary": 1, "unverified": 2}
NOT_IN_DATA = "not in our data — confirm with the competent authority"


def conclusions(book: Rulebook, values: Values, day: date) -> tuple[Determined, ...]:
    """Every determination's result, in rulebook order (for_each ones once per chosen item)."""
    if not book.determinations:
        return ()
    plan = book.plan
    unknown: set[str] | None = None
    out: list[Determined] = []
    for d in book.determinations:
        # The questions that decide it (and the day, for dated ones) fix its results: reuse them.
        key = (d.id, day if d.id in plan.dated else None, *(frozen(values.get(q)) for q in plan.decided_inputs[d.id]))
        if values.undecided:  # "not decided yet" and "not answered" differ for `answered` tests
            key += (frozenset(values.undecided),)
        hit = plan.concluded.get(key)
        if hit is None:
            if unknown is None:
                unknown = {q for q in plan.rank if values.get(q) is UNKNOWN}
            if d.for_each is None:
                hit = (_result(book, d, values, day, unknown),)
            else:
                hit = tuple(_per_item(book, d, values, day, unknown))
            if len(plan.concluded) < JUDGED_KEPT:
                plan.concluded[key] = hit
        out.extend(hit)
    return tuple(out)


def _fill(text: str, fields: Mapping[str, str]) -> str:
    if not fields or "{" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), text)


def _result(
    book: Rulebook,
    d: Determination,
    values: Values,
    day: date,
    unknown: set[str],
    item: str | None = None,
    fields: Mapping[str, str] | None = None,
    verification: str | None = None,
) -> Determined:
    """The result from the cases (the same for every item of a for_each determination)."""
    fields = fields or {}
    value = values.get(d.id, NA)
    plan = book.plan
    pending: tuple[str, ...] = ()
    because: str | None = None
    citations: tuple[ResolvedCitation, ...] = ()
    trace: tuple[Reason, ...] = ()
    case_index: int | None = None
    if value is UNKNOWN:
        waiting = plan.with_ancestors(values.waiting.get(d.id, frozenset())) & unknown
        pending = tuple(sorted(waiting, key=plan.rank.__getitem__))
    elif value is NA:
        if not d.in_force(day):
            start, end = d.valid_from, d.valid_to
            because = f"Not in force on {day}" + (f" (from {start})" if start and day < start else f" (until {end})")
        else:
            because = "No case matches these answers: confirm with the competent authority."
    else:
        case_index = values.case.get(d.id)
        assert case_index is not None
        case = d.cases[case_index]
        because = _fill(case.because, fields)
        citations = plan.case_citations[(d.id, case_index)]
        if case.when is not None:
            trace = tuple(explain(book, case.when, values, f"cases[{case_index}].when", True))
        else:  # the catch-all: say why no earlier case held
            trace = tuple(
                Reason(path=f"cases[{j}]", text=first_failure(book, c.when, values, f"cases[{j}].when", True))
                for j, c in enumerate(d.cases[:case_index])
                if c.when is not None and c.in_force(day)
            )
    shown = d.values.get(str(value)) if isinstance(value, str) else None
    return Determined(
        id=d.id,
        title=_fill(d.title, fields),
        status=d.status,
        verification=verification or d.verification,
        item=item,
        item_label=fields.get("item_label"),
        value=value if isinstance(value, str) else None,
        value_label=shown.label if shown else None,
        meaning=shown.meaning if shown else None,
        because=because,
        citations=citations,
        verified_in=d.verified_in,
        to_confirm=d.to_confirm,
        pending=pending,
        case=case_index,
        trace=trace,
    )


def _per_item(book: Rulebook, d: Determination, values: Values, day: date, unknown: set[str]) -> list[Determined]:
    fe = d.for_each
    assert fe is not None
    chosen = values.get(fe.question)
    if chosen is UNKNOWN:  # which items is not known yet: one open result
        return [_result(book, d, values, day, unknown)]
    if not isinstance(chosen, list):
        return []
    table = book.table(fe.table)
    labels = book.list_items(table.list)
    q = book.questions_by_id[fe.question]
    out = []
    for item in chosen:
        label = str(labels.get(item, item))
        row = table.rows.get(item)
        fields = {"item": item, "item_label": label}
        fields |= {c: (row.get(c, "") if row is not None else NOT_IN_DATA) for c in table.columns}
        verification = d.verification
        row_verification = table.row_verification.get(item, "confirmed") if row is not None else "unverified"
        if _VERIFY_RANK[row_verification] > _VERIFY_RANK[verification]:
            verification = row_verification
        result = _result(book, d, values, day, unknown, item, fields, verification)
        if values.get(d.id) is NA and d.value_from is not None and d.in_force(day):
            result = _from_table(book, d, result, row, fields, label, q.text)
        out.append(result)
    return out


def _from_table(
    book: Rulebook,
    d: Determination,
    result: Determined,
    row: Mapping[str, str] | None,
    fields: Mapping[str, str],
    label: str,
    question_text: str,
) -> Determined:
    """No case matched: the item's row of the table gives the value."""
    assert d.for_each is not None and d.value_from is not None
    table = book.table(d.for_each.table)
    value = row.get(d.value_from) if row is not None else None
    shown = d.values.get(value) if value is not None else None
    citations = book.plan.case_citations[(d.id, None)]
    if row is None or shown is None:
        because = f"{label}: {NOT_IN_DATA}"
    else:
        citations += resolve_citations(book, table.row_citations.get(str(fields["item"]), ()))
        because = _fill(d.because, fields) if d.because else f"{table.title}: {label} — {shown.label}"
    return Determined(
        id=result.id,
        title=result.title,
        status=result.status,
        verification=result.verification,
        item=result.item,
        item_label=result.item_label,
        value=value if shown is not None else None,
        value_label=shown.label if shown else None,
        meaning=shown.meaning if shown else None,
        because=because,
        citations=citations,
        verified_in=result.verified_in,
        to_confirm=result.to_confirm,
        trace=(Reason(path="for_each", question=d.for_each.question, text=f"{question_text} — includes {label}"),),
    )
