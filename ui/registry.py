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

from atmp_pathways import Rulebook
from atmp_pathways.impact import AssessmentImpact, impact
from atmp_pathways.models import AnswerValue
from atmp_pathways.store import (
    EVERYONE,
    Assessment,
    AssessmentSummary,
    Revision,
    Store,
    StoreError,
    answer_changes,
    default_url,
    open_store,
)

from .auth import LOCAL_USER

__all__ = [
    "EVERYONE",
    "answer_changes",
    "Assessment",
    "AssessmentImpact",
    "AssessmentSummary",
    "Revision",
    "StoreError",
    "create",
    "delete",
    "get",
    "impact_for",
    "impacts",
    "list_for",
    "rename",
    "revisions",
    "save",
    "share",
    "unshare",
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
) -> Assessment:
    return _store().create(name, product, _who(user), dict(answers), as_of, book)


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


def unshare(assessment_id: int, user: str, grantee: str) -> None:
    _store().unshare(assessment_id, _who(user), grantee)


def impact_for(book: Rulebook, assessment_id: int, user: str) -> AssessmentImpact:
    """What the current rules change in the latest revision's outcome (same answers, same as-of),
    with the rule-diff lines that caused it (from the stored snapshot of the saved rulebook)."""
    return _store().impact_for(assessment_id, _who(user), book)


def impacts(book: Rulebook, user: str, as_of: date | None = None) -> dict[int, AssessmentImpact]:
    """Assessment id → what the current rules (and ``as_of``, default each one's own date) change."""
    return {found.assessment_id: found for found in impact(_store(), book, as_of, user=_who(user))}
