"""Outcome → the stable machine-readable JSON; ``parse_answers`` reads it back as an answers file."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from ..engine import question_order
from ..models import AnswerValue, Rulebook
from ..outcome import Determined, Finding, Outcome
from ..present import (
    DISCLAIMER,
    answer_rows,
    citation_text,
    due_label,
    question_text,
    status_label,
    timestamp,
    verification_label,
)
from .outline import NOT_LAW, conclusion_label, depends_on, determination_heading, proposal_rows

__all__ = ["render"]


def _finding(f: Finding, book: Rulebook) -> dict[str, Any]:
    return {
        "id": f.id, "obligation": f.obligation, "item": f.item, "item_label": f.item_label, "title": f.title,
        "description": f.description, "actor": f.actor, "phase": f.phase, "area": f.area, "status": f.status,
        "status_label": status_label(f.status), "verification": f.verification,
        "verification_label": verification_label(f.verification),
        "valid_from": f.valid_from.isoformat() if f.valid_from else None,
        "valid_to": f.valid_to.isoformat() if f.valid_to else None,
        "due": f.due, "due_label": due_label(book, f),
        "citations": [
            {"source": c.source, "title": c.title, "reference": c.reference, "url": c.url, "quote": c.quote,
             "last_reviewed": c.last_reviewed.isoformat() if c.last_reviewed else None, "text": citation_text(c)}
            for c in f.citations
        ],
        "checklist": list(f.checklist), "details": dict(f.details), "notes": f.notes,
        "because": [r.text for r in f.because], "effect": f.effect,
    }  # fmt: skip


def _determined(d: Determined, book: Rulebook) -> dict[str, Any]:
    return {
        "id": d.id, "item": d.item, "item_label": d.item_label, "title": d.title,
        "heading": determination_heading(d), "value": d.value, "value_label": d.value_label,
        "conclusion": conclusion_label(d),
        "meaning": d.meaning, "because": d.because,
        "citations": [
            {"source": c.source, "title": c.title, "reference": c.reference, "url": c.url, "text": citation_text(c)}
            for c in d.citations
        ],
        "status": d.status, "status_label": status_label(d.status), "verification": d.verification,
        "verification_label": verification_label(d.verification),
        "pending": [{"id": q, "text": question_text(book, q)} for q in d.pending],
        "undecided": list(d.undecided),
    }  # fmt: skip


def _plain(value: AnswerValue) -> bool | str | list[str]:
    return value.isoformat() if isinstance(value, date) else value


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    s = outcome.ruleset
    rank = {q.id: i for i, q in enumerate(question_order(book))}
    ids = sorted(outcome.answers, key=lambda q: (rank.get(q, len(rank)), q))
    doc = {
        "ruleset": {
            "title": s.title, "version": s.version, "digest": s.digest,
            "jurisdiction": s.jurisdiction, "reviewed": s.reviewed.isoformat(),
        },
        "as_of": outcome.as_of.isoformat(),
        "generated_at": timestamp(generated_at),
        "disclaimer": DISCLAIMER,
        "complete": outcome.complete,
        "answers": {q: _plain(outcome.answers[q]) for q in ids},
        "ignored_answers": list(outcome.ignored_answers),
        "answer_labels": [{"question": q, "answer": a} for q, a in answer_rows(outcome, book)],
        "determinations": [_determined(d, book) for d in outcome.determinations],
        "obligations": [_finding(f, book) for f in outcome.applicable],
        "applies_from": [_finding(f, book) for f in outcome.upcoming],
        "horizon": [_finding(f, book) for f in outcome.horizon],
        "not_applicable": [
            {"id": f.id, "title": f.title, "why_not": f.why_not, "why_not_text": f.why_not_text}
            for f in outcome.not_applicable
        ],
        "undetermined": [
            {"id": f.id, "title": f.title, "pending": list(f.pending),
             "waiting_for": [question_text(book, q) for q in f.pending]}
            for f in outcome.undetermined
        ],
        "pending_questions": [{"id": q, "text": question_text(book, q)} for q in outcome.pending_questions],
        "undecided_answers": [{"id": q, "text": question_text(book, q)} for q in outcome.undecided],
        "depends_on_undecided": [
            _finding(f, book) | {"undecided": list(f.undecided), "depends_on": depends_on(book, f.undecided)}
            for f in outcome.depends
        ],
        "topics_not_asked": [
            {"topic": t.topic, "title": t.title, "why": t.text, "undecided": list(t.undecided)} for t in outcome.skipped
        ],
        "reform_proposals_not_law": [
            {"number": no, "title": title, "by": by, "summary": summary, "would_change": change,
             "taken_up_by": taken, "source": where, "status": NOT_LAW}
            for no, title, by, summary, change, taken, where in proposal_rows(outcome, book)
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
