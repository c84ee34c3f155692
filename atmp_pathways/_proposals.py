"""Checks for ``rules/proposals.yaml``: every proposal points at rules and legislation that exist.

A proposal is never law; what is checked is that it is linked: its bucket is declared, its
citation names a registered source, what it ``affects`` is an obligation or a question, and
what it is ``taken_up_by`` is pending legislation (an obligation or source whose status is
``proposed`` or ``agreed_not_in_force``).
"""

from __future__ import annotations

from typing import Any

from ._files import FileData, format_path
from ._yaml import LinePath
from .errors import Problem, did_you_mean
from .models import PENDING_STATUSES, ProposalsFile, Rulebook

__all__ = ["check_proposals"]


def check_proposals(fd: FileData[ProposalsFile], book: Rulebook) -> tuple[dict[str, tuple[str, int]], list[Problem]]:
    """Problems in the proposals file against the loaded rulebook, and where each proposal is defined."""
    problems: list[Problem] = []

    def add(path: LinePath, message: str, hint: str = "", code: str = "unknown_ref", ref: str = "") -> None:
        suggestion = hint[len("did you mean '") : -2] if hint.startswith("did you mean '") else None
        problems.append(
            Problem(
                fd.display, fd.line(path), format_path(path), message, hint, code=code, ref=ref, suggestion=suggestion
            )
        )

    targets = {**{o.id: "obligation" for o in book.obligations}, **{q.id: "question" for q in book.questions}}
    pending = {o.id for o in book.obligations if o.status in PENDING_STATUSES}
    pending |= {s.id for s in book.sources if s.status in PENDING_STATUSES}
    known = set(targets) | set(book.sources_by_id) | set(book.lists_by_id) | set(book.tables_by_id)
    locations: dict[str, tuple[str, int]] = {}
    numbers: dict[str, int] = {}
    for i, p in enumerate(fd.model.proposals):
        path: LinePath = ("proposals", i)
        if p.id in known or p.id in locations:
            where = locations.get(p.id) or book.locations.get(p.id)
            at = f" at {where[0]}:{where[1]}" if where else ""
            add(
                (*path, "id"),
                f"duplicate id '{p.id}' (proposal)",
                f"already defined{at}; ids must be unique",
                "duplicate_id",
                p.id,
            )
        else:
            locations[p.id] = (fd.display, fd.line((*path, "id")) or 0)
        if p.number in numbers:
            add(
                (*path, "number"),
                f"number '{p.number}' is already used by proposals[{numbers[p.number]}]",
                "give each proposal its own number",
                "bad_value",
                p.number,
            )
        numbers.setdefault(p.number, i)
        if p.bucket not in fd.model.buckets:
            add(
                (*path, "bucket"),
                f"unknown bucket '{p.bucket}'",
                _hint(p.bucket, fd.model.buckets, "declare it under buckets"),
                ref=p.bucket,
            )
        if p.citation.source not in book.sources_by_id:
            add(
                (*path, "citation", "source"),
                f"unknown source '{p.citation.source}'",
                _hint(p.citation.source, book.sources_by_id, "register it under sources"),
                ref=p.citation.source,
            )
        for j, ref in enumerate(p.affects):
            if ref not in targets:
                add(
                    (*path, "affects", j),
                    f"unknown obligation or question '{ref}'",
                    _hint(ref, targets, "name an obligation or question id"),
                    ref=ref,
                )
        for j, ref in enumerate(p.taken_up_by):
            if ref not in pending:
                what = targets.get(ref) or ("source" if ref in book.sources_by_id else None)
                message = f"'{ref}' is not pending legislation" if what else f"unknown pending legislation '{ref}'"
                add(
                    (*path, "taken_up_by", j),
                    message,
                    _hint(ref, pending, "name an obligation or source whose status is proposed or agreed_not_in_force"),
                    "bad_value" if what else "unknown_ref",
                    ref,
                )
    return locations, problems


def _hint(word: str, candidates: Any, fallback: str) -> str:
    return did_you_mean(word, candidates) or fallback
