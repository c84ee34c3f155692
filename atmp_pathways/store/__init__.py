"""The assessment store: saved assessments with an append-only revision history, on SQLite
(default, an embedded file) or PostgreSQL (``ATMP_DATABASE_URL``), schema migrated on open.

Typical use (``user`` is the signed-in e-mail, or ``None`` in single-user local mode)::

    store = open_store()                      # ATMP_DATABASE_URL, else the per-user SQLite file
    a = store.create("CAR-T EU supply", "CAR-T 01", user, answers, as_of, book)
    rev = store.save_revision(a.id, user, new_answers, as_of, book, expected_revision=a.latest.number)
    store.list_for(user)                      # the register: AssessmentSummary rows
    store.get(a.id, user)                     # NotFound for missing, deleted or not shared — same message
    impact(store, book, user=user)            # what today's rules (or a later date) change, per assessment
    store.impact_for(a.id, user, book).banner()   # "2 obligations changed since you saved this on … under v0.1.1 — review"

Every failure a user can meet (unreachable server, a file that is not our database, a
missing rulebook snapshot, a name too long) is a ``StoreError`` whose ``str`` is one
sentence without a password or a traceback.

>>> store = open_store("sqlite://")
>>> store.list_for(None)
[]
"""

from __future__ import annotations

from ._db import ENV_DATA_DIR, ENV_URL, connect, data_dir, default_url, head_revision, migrate
from ._errors import AccessDenied, NotFound, StoreError
from ._store import Store
from ._values import (
    EVERYONE,
    LOCAL_USER,
    Assessment,
    AssessmentSummary,
    Event,
    Revision,
    answer_changes,
    decode_answers,
    encode_answers,
    summarise_outcome,
)

__all__ = [
    "ENV_DATA_DIR",
    "ENV_URL",
    "EVERYONE",
    "LOCAL_USER",
    "AccessDenied",
    "Assessment",
    "AssessmentSummary",
    "Event",
    "NotFound",
    "Revision",
    "Store",
    "StoreError",
    "answer_changes",
    "data_dir",
    "decode_answers",
    "default_url",
    "encode_answers",
    "head_revision",
    "open_store",
    "summarise_outcome",
]


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """Open (creating or upgrading the schema) the store at ``url``.

    ``url`` None → ``ATMP_DATABASE_URL``, else ``sqlite:///<data dir>/assessments.db``
    (``ATMP_DATA_DIR`` or the per-user data directory, created on first use).
    ``postgresql://`` URLs use psycopg 3. Raises ``StoreError`` with a one-line message.
    """
    engine, shown = connect(url or default_url())
    if upgrade:
        try:
            migrate(engine, shown)
        except BaseException:
            engine.dispose()
            raise
    return Store(engine, shown)
