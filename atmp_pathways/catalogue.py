"""The whole rulebook as data (JSON) or as a Markdown catalogue for rule authors."""

from __future__ import annotations

import json
from typing import Any

from .models import LEGAL_STATUSES, VERIFICATIONS, Condition, Rulebook

__all__ = ["catalogue_data", "catalogue_json", "catalogue_markdown", "condition_data"]


def condition_data(cond: Condition | None) -> Any:
    """A condition as plain data, with the YAML keys (``is``, ``in``, ``not``)."""
    if cond is None:
        return None
    return cond.model_dump(mode="json", by_alias=True, exclude_none=True)


def catalogue_data(book: Rulebook) -> dict[str, Any]:
    def cites(citations: Any) -> list[dict[str, Any]]:
        out = []
        for c in citations:
            src = book.sources_by_id[c.source]
            out.append({"source": c.source, "title": src.title, "reference": c.ref, "url": src.url, "quote": c.quote})
        return out

    return {
        "ruleset": {
            "title": book.meta.title,
            "version": book.meta.version,
            "digest": book.digest,
            "jurisdiction": book.meta.jurisdiction,
            "reviewed": book.meta.as_of.isoformat(),
        },
        "topics": [{"id": t, "title": book.topic_titles.get(t, t)} for t in book.meta.topics],
        "actors": dict(book.meta.actors),
        "phases": dict(book.meta.phases),
        "questions": [
            {
                "id": q.id,
                "topic": book.topic_of[q.id],
                "kind": q.kind,
                "text": q.text,
                "help": q.help,
                "choices": book.choices(q),
                "choices_from": q.choices_from,
                "when": condition_data(q.when),
                "citations": cites(q.citations),
            }
            for q in book.questions
        ],
        "obligations": [
            {
                "id": o.id,
                "topic": book.topic_of[o.id],
                "area": book.area_of(o),
                "title": o.title,
                "description": o.description,
                "actor": o.actor,
                "phase": o.phase,
                "status": o.status,
                "verification": o.verification,
                "verified_in": o.verified_in,
                "to_confirm": o.to_confirm,
                "valid_from": o.valid_from.isoformat() if o.valid_from else None,
                "valid_to": o.valid_to.isoformat() if o.valid_to else None,
                "when": condition_data(o.when),
                "unless": condition_data(o.unless),
                "for_each": o.for_each.model_dump() if o.for_each else None,
                "citations": cites(o.citations),
                "checklist": list(o.checklist),
                "notes": o.notes,
            }
            for o in book.obligations
        ],
        "sources": [s.model_dump(mode="json") for s in book.sources],
        "lists": [lst.model_dump(mode="json") for lst in book.lists],
        "tables": [t.model_dump(mode="json") for t in book.tables],
    }


def catalogue_json(book: Rulebook) -> str:
    return json.dumps(catalogue_data(book), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown(book: Rulebook) -> str:
    """A Markdown catalogue of every question, obligation and source (no digest, so
    it changes only when the rules' content does)."""
    lines = [
        f"Generated from the rules (version {book.meta.version}) by `python -m atmp_pathways catalogue --format md`.",
        "",
    ]
    lines += [
        f"### Questions ({len(book.questions)})",
        "",
        "| id | topic | kind | question | asked when |",
        "|---|---|---|---|---|",
    ]
    for q in book.questions:
        when = q.when.describe() if q.when else "always"
        lines.append(f"| `{q.id}` | {book.topic_of[q.id]} | {q.kind} | {_cell(q.text)} | {_cell(when)} |")
    lines += [
        "",
        f"### Obligations ({len(book.obligations)})",
        "",
        "| id | topic | title | actor | status | verification | valid | sources |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in book.obligations:
        valid = f"{o.valid_from or '…'} – {o.valid_to or '…'}" if (o.valid_from or o.valid_to) else "—"
        srcs = "; ".join(f"{c.source} {c.ref}" for c in o.citations)
        title = o.title + (" (per item)" if o.for_each else "")
        lines.append(
            f"| `{o.id}` | {book.topic_of[o.id]} | {_cell(title)} | {o.actor} | {LEGAL_STATUSES[o.status]} | {VERIFICATIONS[o.verification].split(' —')[0]} | {valid} | {_cell(srcs)} |"
        )
    lines += [
        "",
        f"### Sources ({len(book.sources)})",
        "",
        "| id | title | identifier | status | valid | last reviewed |",
        "|---|---|---|---|---|---|",
    ]
    for s in book.sources:
        valid = f"{s.valid_from or '…'} – {s.valid_to or '…'}" if (s.valid_from or s.valid_to) else "—"
        lines.append(
            f"| `{s.id}` | [{_cell(s.title)}]({s.url}) | {_cell(s.identifier)} | {LEGAL_STATUSES[s.status]} | {valid} | {s.last_reviewed} |"
        )
    return "\n".join(lines) + "\n"
