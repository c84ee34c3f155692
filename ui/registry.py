"""The app's door to the assessment store: one shared connection pool, the user passed on every call.

The pool (``st.cache_resource``, keyed by the database URL) is the only thing kept between
sessions besides the rulebook, and it holds no data: every list, open and save reads or
writes the database, so several app replicas can share one PostgreSQL. A failure to open
the store is not cached (the next rerun tries again) and reaches the page as a
``StoreError`` with a one-line message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import streamlit as st

from atmp_pathways import Rulebook, evaluate
from atmp_pathways.models import AnswerValue
from atmp_pathways.store import (
    EVERYONE,
    Assessment,
    AssessmentSummary,
    Revision,
    Store,
    StoreError,
    default_url,
    open_store,
    summarise_outcome,
)

from .auth import LOCAL_USER

__all__ = [
    "EVERYONE",
    "Assessment",
    "AssessmentSummary",
    "Revision",
    "StoreError",
    "changes_since_saved",
    "create",
    "delete",
    "get",
    "impact_flags",
    "list_for",
    "rename",
    "revisions",
    "save",
    "share",
]


@st.cache_resource(show_spinner="Opening the assessment store…", max_entries=4)
def _open(url: str) -> Store:
    """Open (and migrate) once per process and URL; exceptions are not cached."""
    return open_store(url)


def _store() -> Store:
    return _open(default_url())  # ATMP_DATABASE_URL, else the per-user SQLite file


def _who(user: str) -> str | None:
    """The store's user: ``None`` is single-user local mode, where everything is the local user's."""
    return None if user == LOCAL_USER else user


def list_for(user: str) -> list[AssessmentSummary]:
    return _store().list_for(_who(user))


def get(assessment_id: int, user: str) -> Assessment:
    """Raises ``StoreError`` (not found) when ``user`` may not see it, exactly as for a missing id."""
    return _store().get(assessment_id, _who(user))


def revisions(assessment_id: int, user: str) -> list[Revision]:
    return _store().revisions(assessment_id, _who(user))


def create(
    user: str,
    book: Rulebook,
    name: str,
    product: str,
    answers: Mapping[str, AnswerValue],
    as_of: date,
    *,
    acknowledged: Iterable[str] = (),
) -> Assessment:
    store = _store()
    created = store.create(name, product, _who(user), dict(answers), as_of, book)
    del acknowledged  # a new assessment starts from the current rules: nothing to acknowledge
    return created


def save(
    assessment_id: int,
    user: str,
    book: Rulebook,
    answers: Mapping[str, AnswerValue],
    as_of: date,
    *,
    based_on: int,
    acknowledged: Iterable[str] = (),
) -> Revision:
    return _store().save_revision(
        assessment_id,
        _who(user),
        dict(answers),
        as_of,
        book,
        expected_revision=based_on,
        acknowledged_changes=tuple(acknowledged),
    )


def rename(assessment_id: int, user: str, name: str) -> None:
    _store().rename(assessment_id, _who(user), name)


def delete(assessment_id: int, user: str) -> None:
    """Only ever called from the confirmation step: the store refuses without ``confirm=True``."""
    _store().delete(assessment_id, _who(user), confirm=True)


def share(assessment_id: int, user: str, grantee: str) -> None:
    _store().share(assessment_id, _who(user), grantee)


def changes_since_saved(book: Rulebook, assessment: Assessment) -> list[str]:
    """What the current rules change in the latest revision's outcome (same answers, same as-of)."""
    latest = assessment.latest
    return _outcome_changes(latest.outcome, summarise_outcome(evaluate(book, latest.answers, latest.as_of)))


def impact_flags(book: Rulebook, user: str) -> dict[int, int]:
    """Assessment id → number of changes the current rules make to its saved outcome."""
    out = {}
    for summary, revision in _store().latest_revisions(_who(user)):
        now = summarise_outcome(evaluate(book, revision.answers, revision.as_of))
        out[summary.id] = len(_outcome_changes(revision.outcome, now))
    return out


def _outcome_changes(saved: Mapping[str, object], now: Mapping[str, object]) -> list[str]:
    before = {str(o["id"]): o for o in _obligations(saved)}
    after = {str(o["id"]): o for o in _obligations(now)}
    lines = []
    for ident in sorted(set(before) | set(after)):
        old, new = before.get(ident), after.get(ident)
        if old is None and new is not None:
            lines.append(f"{ident}: now {_state(new)}")
        elif new is None and old is not None:
            lines.append(f"{ident}: no longer {_state(old)}")
        elif old is not None and new is not None:
            what = [
                f"{field.replace('_', ' ')} {old.get(field)} → {new.get(field)}"
                for field in ("state", "status", "verification", "valid_from", "valid_to")
                if old.get(field) != new.get(field)
            ]
            gone = [c for c in _list(old.get("citations")) if c not in _list(new.get("citations"))]
            added = [c for c in _list(new.get("citations")) if c not in _list(old.get("citations"))]
            what += [f"citation added: {c}" for c in added] + [f"citation removed: {c}" for c in gone]
            if what:
                lines.append(f"{ident}: " + "; ".join(what))
    return lines


def _obligations(summary: Mapping[str, object]) -> list[Mapping[str, object]]:
    found = summary.get("obligations")
    return [o for o in found if isinstance(o, Mapping)] if isinstance(found, list) else []


def _list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _state(obligation: Mapping[str, object]) -> str:
    return {
        "applies": "applies",
        "applies_from": f"applies from {obligation.get('valid_from')}",
        "horizon": "on the horizon",
        "undetermined": "undetermined",
    }.get(str(obligation.get("state")), str(obligation.get("state")))
