"""The whole rulebook as data (JSON) or as a Markdown catalogue for rule authors."""

from __future__ import annotations

import json
from typing import Any

from .models import LEGAL_STATUSES, VERIFICATIONS, Case, Condition, Rulebook

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
                "undecided": q.undecided,
                "when": condition_data(q.when),
                "citations": cites(q.citations),
            }
            for q in book.questions
        ],
        "determinations": [
            {
                "id": d.id,
                "topic": book.topic_of[d.id],
                "title": d.title,
                "help": d.help,
                "values": [{"id": k, "label": v.label, "meaning": v.meaning} for k, v in d.values.items()],
                "cases": [
                    {
                        "when": c.when.describe() if c.when else None,
                        "condition": condition_data(c.when),
                        "value": c.value,
                        "because": c.because,
                        "valid_from": c.valid_from.isoformat() if c.valid_from else None,
                        "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                        "citations": cites(c.citations),
                    }
                    for c in d.cases
                ],
                "for_each": d.for_each.model_dump() if d.for_each else None,
                "value_from": d.value_from,
                "status": d.status,
                "verification": d.verification,
                "verified_in": d.verified_in,
                "to_confirm": d.to_confirm,
                "valid_from": d.valid_from.isoformat() if d.valid_from else None,
                "valid_to": d.valid_to.isoformat() if d.valid_to else None,
                "citations": cites(d.citations),
            }
            for d in book.determinations
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
                "milestones": [m.model_dump(mode="json") for m in o.milestones],
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
        "proposal_buckets": dict(book.proposal_buckets),
        "proposals": [p.model_dump(mode="json") for p in book.proposals],
    }


def catalogue_json(book: Rulebook) -> str:
    return json.dumps(catalogue_data(book), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _case_when(case: Case) -> str:
    when = case.when.describe() if case.when else "otherwise"
    if case.valid_from or case.valid_to:
        window = f"{case.valid_from or '…'} – {case.valid_to or '…'}"
        when = f"{when}, {window}" if case.when else f"in force {window}"
    return when


def _determinations_markdown(book: Rulebook) -> list[str]:
    """One table row per case, first hit first (the table says which value each case gives)."""
    lines = [
        "",
        f"### Determinations ({len(book.determinations)})",
        "",
        "| id | topic | title | case | when | value | status | verification |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in book.determinations:
        title = d.title + (" (per item)" if d.for_each else "")
        rows = [(_case_when(c), d.values[c.value].label) for c in d.cases]
        if d.value_from is not None and d.for_each is not None:
            rows.append((f"otherwise: column `{d.value_from}` of table `{d.for_each.table}`", "—"))
        for j, (when, label) in enumerate(rows):
            lead = f"`{d.id}` | {book.topic_of[d.id]} | {_cell(title)}" if j == 0 else " | | "
            status = f"{LEGAL_STATUSES[d.status]} | {VERIFICATIONS[d.verification].split(' —')[0]}" if j == 0 else " | "
            lines.append(f"| {lead} | {j + 1} | {_cell(when)} | {_cell(label)} | {status} |")
    return lines


def catalogue_markdown(book: Rulebook) -> str:
    """A Markdown catalogue of every question, determination, obligation and source
    (no digest, so it changes only when the rules' content does)."""
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
        kind = f"{q.kind} + “{_cell(q.undecided)}”" if q.undecided else q.kind  # a planning question
        lines.append(f"| `{q.id}` | {book.topic_of[q.id]} | {kind} | {_cell(q.text)} | {_cell(when)} |")
    if book.determinations:
        lines += _determinations_markdown(book)
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
    if book.proposals:
        lines += [
            "",
            f"### Industry reform proposals — not law ({len(book.proposals)})",
            "",
            "| no. | id | bucket | proposal | by | would change | taken up by |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in book.proposals:
            lines.append(
                f"| {p.number} | `{p.id}` | {p.bucket} | {_cell(p.title)} | {_cell(p.by)} | {', '.join(p.affects)} | {', '.join(p.taken_up_by) or '—'} |"
            )
    return "\n".join(lines) + "\n"
