"""Two sets of answers side by side: what the alternative changes (pure; no UI).

``compare`` evaluates both answer sets on one date and reports the determinations whose
conclusion differs, the obligations that start or stop applying (``outcome.diff_outcomes``,
the same helper "What changes" uses for dates), those whose state changes otherwise
(e.g. applies now → applies from a later date), the questions the alternative still
needs, and the answers that differ. ``comparison_outline`` words it as export blocks,
so the Markdown and PDF renderers draw it like a checklist.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> base = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"}
>>> c = compare(book, base, {**base, "widget_colour": "green"}, date(2026, 6, 1))
>>> [f.id for f in c.starts], [f.id for f in c.stops], c.answers_changed
([], ['register_widgets', 'label_red_widgets'], ('widget_colour',))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .engine import evaluate
from .exports.outline import (
    Block,
    Bullets,
    Heading,
    Item,
    Label,
    Paragraph,
    Table,
    conclusion_label,
    determination_heading,
)
from .models import AnswerValue, Rulebook
from .outcome import Determined, Finding, Outcome, diff_outcomes
from .present import DISCLAIMER, RELIEF, answer_label, change_words, question_text, stamp_rows, state_label

__all__ = ["Comparison", "StateChange", "compare", "comparison_json", "comparison_outline", "state_label"]


@dataclass(frozen=True)
class StateChange:
    """One obligation (or per-item instance) whose state differs between the two answer sets."""

    base: Finding
    alt: Finding


@dataclass(frozen=True)
class Comparison:
    base: Outcome
    alt: Outcome
    determinations: tuple[tuple[Determined | None, Determined | None], ...]
    """(base, alternative) result of each determination whose conclusion differs."""
    starts: tuple[Finding, ...]
    """Apply now under the alternative, not under the base answers."""
    stops: tuple[Finding, ...]
    """Apply now under the base answers, not under the alternative."""
    changes: tuple[StateChange, ...]
    """Other state changes (applies later, horizon, waiting for an answer)."""
    needs: tuple[str, ...]
    """Questions the alternative still needs (pending there, not under the base answers), in asking order."""
    answers_changed: tuple[str, ...]
    """Question ids answered differently (or only on one side)."""

    @property
    def changed(self) -> bool:
        return bool(self.determinations or self.starts or self.stops or self.changes or self.needs)


def _determination_changes(base: Outcome, alt: Outcome) -> list[tuple[Determined | None, Determined | None]]:
    before = {d.key: d for d in base.determinations}
    after = {d.key: d for d in alt.determinations}
    keys = list(before) + [k for k in after if k not in before]
    out = []
    for key in keys:
        b, a = before.get(key), after.get(key)
        if b is None or a is None or b.value != a.value or b.pending != a.pending:
            out.append((b, a))
    return out


def compare(
    book: Rulebook,
    base_answers: Mapping[str, AnswerValue],
    alt_answers: Mapping[str, AnswerValue],
    as_of: date | None = None,
    *,
    base_outcome: Outcome | None = None,
) -> Comparison:
    """What ``alt_answers`` change against ``base_answers`` as of ``as_of``.

    ``base_outcome`` (the base answers' outcome on that date, when the caller already has
    it — the results page does) saves evaluating them again.
    """
    base = base_outcome if base_outcome is not None else evaluate(book, base_answers, as_of)
    alt = evaluate(book, alt_answers, base.as_of)
    diff = diff_outcomes(base, alt)
    moved = {f.id for f in diff.added} | {f.id for f in diff.removed}
    before = {f.id: f for f in base.all_findings()}
    changes = tuple(
        StateChange(before[f.id], f)
        for f in alt.all_findings()
        if f.id in before and f.id not in moved and before[f.id].state != f.state
    )
    needs = tuple(q for q in alt.pending_questions if q not in base.pending_questions)
    keys = list(base_answers) + [q for q in alt_answers if q not in base_answers]
    differing = tuple(
        q for q in keys if base_answers.get(q) != alt_answers.get(q) or (q in base_answers) != (q in alt_answers)
    )
    return Comparison(
        base=base,
        alt=alt,
        determinations=tuple(_determination_changes(base, alt)),
        starts=diff.added,
        stops=diff.removed,
        changes=changes,
        needs=needs,
        answers_changed=differing,
    )


# ---- wording ----------------------------------------------------------------------------------


def conclusion(d: Determined | None) -> str:
    """A determination's conclusion as one phrase (or that it has none there)."""
    if d is None:
        return "Not concluded"
    return conclusion_label(d)


def _answer(book: Rulebook, answers: Mapping[str, AnswerValue], qid: str) -> str:
    return answer_label(book, qid, answers[qid]) if qid in answers else "Not answered"


def comparison_outline(c: Comparison, book: Rulebook, generated_at: datetime | None) -> list[Block]:
    """The comparison as export blocks: stamp, disclaimer, answers, pathway, obligations, questions."""
    base_answers, alt_answers = c.base.answers, c.alt.answers
    out: list[Block] = [
        Heading(f"Comparison — {c.base.ruleset.title}", 0),
        Table(None, tuple(stamp_rows(c.base, generated_at)), "stamp"),
        Paragraph(DISCLAIMER, lead="Disclaimer.", tone="disclaimer"),
        Heading("Answers that differ", 1),
        Table(
            ("Question", "Your answer", "Alternative"),
            tuple(
                (question_text(book, q), _answer(book, base_answers, q), _answer(book, alt_answers, q))
                for q in c.answers_changed
            ),
            "compare",
        ),
    ]
    if not c.changed:
        out.append(Paragraph("The alternative changes no conclusion and no obligation.", tone="note"))
    if c.determinations:
        out.append(Heading("Your pathway", 1))
        rows = []
        for b, a in c.determinations:
            heading = determination_heading(a or b)  # type: ignore[arg-type]  # one of the two is set
            rows.append((heading, conclusion(b), conclusion(a)))
        out.append(Table(("Determination", "Your answers", "Alternative"), tuple(rows), "compare"))
    if c.starts:
        out += [Heading("Starts applying with the alternative", 1), _titles(c.starts, starts=True)]
    if c.stops:
        out += [Heading("Stops applying with the alternative", 1), _titles(c.stops, starts=False)]
    if c.changes:
        out.append(Heading("Changes state", 1))
        items = tuple(
            Item(f"{state_label(ch.base.state)} → {state_label(ch.alt.state)}", ch.alt.title) for ch in c.changes
        )
        out.append(Bullets(items))
    if c.needs:
        out += [Heading("Questions the alternative still needs", 1), Label("Answer these to complete the alternative")]
        out.append(Bullets(tuple(Item(question_text(book, q)) for q in c.needs), numbered=True))
    return out


def _titles(findings: tuple[Finding, ...], *, starts: bool) -> Bullets:
    """Titles and ids; a relief or exemption says so ("relief no longer available")."""

    def text(f: Finding) -> str:
        return f"({f.id})" + (f" — {RELIEF}: {change_words(f.effect, starts)}" if f.effect == "relief" else "")

    return Bullets(tuple(Item(text(f), f.title) for f in findings))


def comparison_json(c: Comparison, book: Rulebook) -> dict[str, Any]:
    """The comparison as plain data (ids for tools, labels for people)."""

    def det(d: Determined | None) -> dict[str, Any] | None:
        if d is None:
            return None
        return {"value": d.value, "value_label": d.value_label, "because": d.because, "pending": list(d.pending)}

    def ob(f: Finding) -> dict[str, Any]:
        return {"id": f.id, "title": f.title, "effect": f.effect}

    return {
        "ruleset": {"title": c.base.ruleset.title, "version": c.base.ruleset.version, "digest": c.base.ruleset.digest},
        "as_of": c.base.as_of.isoformat(),
        "disclaimer": DISCLAIMER,
        "answers_changed": [
            {
                "question": q,
                "text": question_text(book, q),
                "base": _answer(book, c.base.answers, q),
                "alternative": _answer(book, c.alt.answers, q),
            }
            for q in c.answers_changed
        ],
        "determinations": [
            {"id": (a or b).id, "item": (a or b).item, "title": (a or b).title, "base": det(b), "alternative": det(a)}  # type: ignore[union-attr]
            for b, a in c.determinations
        ],
        "starts": [ob(f) for f in c.starts],
        "stops": [ob(f) for f in c.stops],
        "changes": [
            {"id": ch.alt.id, "title": ch.alt.title, "base": ch.base.state, "alternative": ch.alt.state}
            for ch in c.changes
        ],
        "needs": [{"id": q, "text": question_text(book, q)} for q in c.needs],
    }
