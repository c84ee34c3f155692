"""The ``Store``: assessments, append-only revisions, sharing, recorded deletion, rulebook snapshots."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import Engine, Select, and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..engine import evaluate

if TYPE_CHECKING:
    from ..impact import AssessmentImpact
from ..models import AnswerValue, Rulebook
from ..outcome import Outcome
from ._db import guard
from ._errors import AccessDenied, NotFound, StoreError
from ._schema import AssessmentRow, EventRow, RevisionRow, RulebookRow, ShareRow
from ._values import (
    EVERYONE,
    LOCAL_USER,
    Assessment,
    AssessmentSummary,
    Event,
    Revision,
    decode_answers,
    encode_answers,
    summarise_outcome,
)

__all__ = ["Store"]

MAX_NAME = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _norm_user(user: str) -> str:
    return user.strip().lower()


def _clean_name(name: str, what: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise StoreError(f"the assessment needs a {what}")
    if len(cleaned) > MAX_NAME:
        raise StoreError(f"the {what} is too long ({len(cleaned)} characters; at most {MAX_NAME})")
    return cleaned


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _revision(row: RevisionRow) -> Revision:
    return Revision(
        assessment_id=row.assessment_id,
        number=row.number,
        answers=decode_answers(row.answers),
        as_of=row.as_of,
        rulebook_version=row.rulebook_version,
        rulebook_digest=row.rulebook_digest,
        outcome=dict(row.outcome),
        saved_by=row.saved_by,
        saved_at=row.saved_at,
        based_on=row.based_on,
        concurrent=row.concurrent,
        acknowledged=tuple(str(a) for a in row.acknowledged or ()),
    )


class Store:
    """An open assessment store. Build it with ``open_store``; it is safe to share between threads.

    ``user`` arguments are the signed-in user's e-mail, or ``None`` in single-user local mode
    (no login configured), where every assessment is visible and editable. With a user, an
    assessment is visible to its owner and to those it is shared with (by e-mail or with
    everyone); only the owner may save revisions, rename, share or delete it — others
    "save as new" (``create``) to get their own copy.
    """

    def __init__(self, engine: Engine, shown: str) -> None:
        self._engine = engine
        self.shown = shown
        """The database as it may be shown to a user (no password)."""
        self._books: dict[str, Rulebook] = {}
        self._books_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        with guard(self.shown), Session(self._engine, expire_on_commit=False) as session:
            if write:
                session.connection(execution_options={"atmp_write": True})
            yield session
            session.commit()

    # -- access ---------------------------------------------------------------------------

    def _visible_clause(self, user: str | None) -> Any:
        live = AssessmentRow.deleted_at.is_(None)
        if user is None:
            return live
        who = _norm_user(user)
        shared = exists().where(ShareRow.assessment_id == AssessmentRow.id, ShareRow.grantee.in_([who, EVERYONE]))
        return and_(live, or_(AssessmentRow.owner == who, shared))

    def _row(self, s: Session, assessment_id: int, user: str | None, *, action: str | None = None) -> AssessmentRow:
        """The live row if ``user`` may see it (and, with ``action``, change it); else NotFound."""
        query = select(AssessmentRow).where(AssessmentRow.id == assessment_id, self._visible_clause(user))
        if action is not None and s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = s.scalars(query).first()
        if row is None:
            raise NotFound(assessment_id)
        if action is not None and user is not None and row.owner != _norm_user(user):
            raise AccessDenied(assessment_id, action)
        return row

    def _shares(self, s: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {}
        if ids:
            for aid, grantee in s.execute(
                select(ShareRow.assessment_id, ShareRow.grantee)
                .where(ShareRow.assessment_id.in_(ids))
                .order_by(ShareRow.grantee)
            ):
                out.setdefault(aid, []).append(grantee)
        return {k: tuple(v) for k, v in out.items()}

    def _event(self, s: Session, assessment_id: int, kind: str, actor: str, detail: str = "") -> None:
        s.add(EventRow(assessment_id=assessment_id, kind=kind, actor=actor, at=_now(), detail=detail))

    # -- rulebook snapshots ---------------------------------------------------------------

    def store_rulebook(self, book: Rulebook) -> None:
        """Keep a snapshot of ``book`` (once per digest) so revisions saved under it can be
        re-loaded and diffed later without the rule files or git."""
        with self._books_lock:
            if book.digest in self._books:
                return
        with self._session(write=True) as s:
            if s.get(RulebookRow, book.digest) is None:
                s.add(
                    RulebookRow(
                        digest=book.digest,
                        version=book.meta.version,
                        title=book.meta.title,
                        stored_at=_now(),
                        content=book.model_dump_json(by_alias=True),
                    )
                )
                try:
                    s.flush()
                except IntegrityError:  # another process stored the same digest meanwhile
                    s.rollback()
        with self._books_lock:
            self._books[book.digest] = book

    def rulebook_snapshot(self, digest: str) -> Rulebook | None:
        """The rulebook stored under ``digest``, or None when no snapshot is kept.

        Raises ``StoreError`` when a snapshot exists but this version cannot read it.
        """
        with self._books_lock:
            book = self._books.get(digest)
        if book is not None:
            return book
        with self._session() as s:
            row = s.get(RulebookRow, digest)
            if row is None:
                return None
            content, version = row.content, row.version
        try:
            book = Rulebook.model_validate_json(content)
        except ValidationError as err:
            raise StoreError(
                f"the stored rulebook {version} (digest {digest}) cannot be read by this version "
                f"({err.error_count()} problems) — diff against its git tag instead"
            ) from None
        with self._books_lock:
            self._books[digest] = book
        return book

    def rulebook_digests(self, prefix: str = "") -> list[tuple[str, str]]:
        """(digest, version) of the stored snapshots whose digest starts with ``prefix``."""
        with self._session() as s:
            rows = s.execute(
                select(RulebookRow.digest, RulebookRow.version)
                .where(RulebookRow.digest.startswith(prefix, autoescape=True))
                .order_by(RulebookRow.stored_at)
            )
            return [(d, v) for d, v in rows]

    def revision_rulebook(self, revision: Revision) -> Rulebook:
        """The rulebook a revision was saved under; ``StoreError`` if its snapshot is missing."""
        book = self.rulebook_snapshot(revision.rulebook_digest)
        if book is None:
            raise StoreError(
                f"revision {revision.number} of assessment {revision.assessment_id} was saved under rulebook "
                f"{revision.rulebook_version} (digest {revision.rulebook_digest}), whose snapshot is not in "
                "the database — it cannot be compared rule by rule (its answers and outcome are intact)"
            )
        return book

    # -- writing --------------------------------------------------------------------------

    def _revision_row(
        self,
        assessment_id: int,
        number: int,
        answers: Mapping[str, AnswerValue],
        as_of: date,
        book: Rulebook,
        outcome: Outcome | None,
        saved_by: str,
        based_on: int | None,
        concurrent: bool,
        acknowledged: Iterable[str],
    ) -> RevisionRow:
        if outcome is None:
            outcome = evaluate(book, answers, as_of)
        elif outcome.ruleset.digest != book.digest:
            raise StoreError("the outcome given was evaluated under another rulebook than the one given")
        return RevisionRow(
            assessment_id=assessment_id,
            number=number,
            answers=encode_answers(answers),
            as_of=as_of,
            rulebook_version=book.meta.version,
            rulebook_digest=book.digest,
            outcome=summarise_outcome(outcome),
            saved_by=saved_by,
            saved_at=_now(),
            based_on=based_on,
            concurrent=concurrent,
            acknowledged=[str(a) for a in acknowledged],
        )

    def create(
        self,
        name: str,
        product: str,
        owner: str | None,
        answers: Mapping[str, AnswerValue],
        as_of: date,
        book: Rulebook,
        outcome: Outcome | None = None,
    ) -> Assessment:
        """A new assessment with its first revision. ``owner`` None = local mode.

        ``outcome`` is the evaluation the user saw; when None it is evaluated here.
        """
        who = _norm_user(owner) if owner else LOCAL_USER
        name, product = _clean_name(name), " ".join(product.split())[:MAX_NAME]
        self.store_rulebook(book)
        now = _now()
        with self._session(write=True) as s:
            row = AssessmentRow(
                name=name, product=product, owner=who, created_at=now, updated_at=now, latest_revision=1
            )
            s.add(row)
            s.flush()
            rev = self._revision_row(row.id, 1, answers, as_of, book, outcome, who, None, False, ())
            s.add(rev)
            self._event(s, row.id, "created", who, name)
            s.flush()
            return Assessment(row.id, row.name, row.product, row.owner, row.created_at, row.updated_at, _revision(rev))

    def save_revision(
        self,
        assessment_id: int,
        user: str | None,
        answers: Mapping[str, AnswerValue],
        as_of: date,
        book: Rulebook,
        outcome: Outcome | None = None,
        *,
        expected_revision: int | None = None,
        acknowledged_changes: Iterable[str] = (),
    ) -> Revision:
        """Append a revision (never overwrites one). ``expected_revision`` is the revision the
        user's edit started from: if someone saved in between, this save is still kept, as the
        next number, with ``concurrent=True`` so the app can say so. ``acknowledged_changes``
        records the impact lines the user confirmed having reviewed."""
        who = _norm_user(user) if user else LOCAL_USER
        self.store_rulebook(book)
        for attempt in range(5):
            try:
                with self._session(write=True) as s:
                    row = self._row(s, assessment_id, user, action="save")
                    number = row.latest_revision + 1
                    concurrent = expected_revision is not None and expected_revision != row.latest_revision
                    rev = self._revision_row(
                        assessment_id, number, answers, as_of, book, outcome, who,
                        expected_revision, concurrent, acknowledged_changes,
                    )  # fmt: skip
                    s.add(rev)
                    row.latest_revision = number
                    row.updated_at = rev.saved_at
                    s.flush()
                    return _revision(rev)
            except StoreError as err:
                # Two writers on PostgreSQL without the row lock winning: retry with the next number.
                if ("uq_revisions_assessment_number" in str(err) or "revisions.number" in str(err)) and attempt < 4:
                    continue
                raise
        raise StoreError(f"assessment {assessment_id} is being saved by others; try again")  # pragma: no cover

    def rename(self, assessment_id: int, user: str | None, name: str, product: str | None = None) -> None:
        """Change the name (and optionally the product label); recorded as an event."""
        name = _clean_name(name)
        with self._session(write=True) as s:
            row = self._row(s, assessment_id, user, action="rename")
            old = row.name
            row.name = name
            if product is not None:
                row.product = " ".join(product.split())[:MAX_NAME]
            row.updated_at = _now()
            self._event(s, assessment_id, "renamed", _norm_user(user) if user else LOCAL_USER, f"{old} → {name}")

    def delete(self, assessment_id: int, user: str | None, *, confirm: bool) -> None:
        """Delete explicitly: ``confirm`` must be True. The assessment disappears from lists;
        its revisions are kept and the deletion is recorded (who, when)."""
        if confirm is not True:
            raise StoreError("deleting an assessment needs confirmation")
        who = _norm_user(user) if user else LOCAL_USER
        with self._session(write=True) as s:
            row = self._row(s, assessment_id, user, action="delete")
            row.deleted_at = _now()
            row.deleted_by = who
            self._event(s, assessment_id, "deleted", who, row.name)

    def share(self, assessment_id: int, owner: str | None, with_: str) -> None:
        """Share with one e-mail address, or with every signed-in user (``"*"``)."""
        grantee = EVERYONE if with_.strip() == EVERYONE else _norm_user(with_)
        if grantee != EVERYONE and ("@" not in grantee or " " in grantee or len(grantee) > 320):
            raise StoreError(f"'{with_}' is not an e-mail address (or '*' for everyone)")
        who = _norm_user(owner) if owner else LOCAL_USER
        with self._session(write=True) as s:
            self._row(s, assessment_id, owner, action="share")
            if s.get(ShareRow, (assessment_id, grantee)) is None:
                s.add(ShareRow(assessment_id=assessment_id, grantee=grantee, granted_by=who, granted_at=_now()))
                self._event(s, assessment_id, "shared", who, grantee)

    def unshare(self, assessment_id: int, owner: str | None, with_: str) -> None:
        """Stop sharing with ``with_`` (an e-mail or ``"*"``)."""
        grantee = EVERYONE if with_.strip() == EVERYONE else _norm_user(with_)
        who = _norm_user(owner) if owner else LOCAL_USER
        with self._session(write=True) as s:
            self._row(s, assessment_id, owner, action="share")
            share = s.get(ShareRow, (assessment_id, grantee))
            if share is not None:
                s.delete(share)
                self._event(s, assessment_id, "unshared", who, grantee)

    # -- reading --------------------------------------------------------------------------

    def _summaries(self, query: Select[AssessmentRow, str, str, str, date], s: Session) -> list[AssessmentSummary]:
        rows = s.execute(query).all()
        shares = self._shares(s, [r[0].id for r in rows])
        return [
            AssessmentSummary(
                id=a.id,
                name=a.name,
                product=a.product,
                owner=a.owner,
                created_at=a.created_at,
                updated_at=a.updated_at,
                revision=a.latest_revision,
                last_saved_by=saved_by,
                rulebook_version=version,
                rulebook_digest=digest,
                as_of=as_of,
                shared_with=shares.get(a.id, ()),
            )  # fmt: skip
            for a, saved_by, version, digest, as_of in rows
        ]

    def _listing(self, user: str | None, include_shared: bool) -> Select[AssessmentRow, str, str, str, date]:
        visible = self._visible_clause(user)
        if user is not None and not include_shared:
            visible = and_(AssessmentRow.deleted_at.is_(None), AssessmentRow.owner == _norm_user(user))
        return (
            select(
                AssessmentRow,
                RevisionRow.saved_by,
                RevisionRow.rulebook_version,
                RevisionRow.rulebook_digest,
                RevisionRow.as_of,
            )
            .join(
                RevisionRow,
                and_(
                    RevisionRow.assessment_id == AssessmentRow.id,
                    RevisionRow.number == AssessmentRow.latest_revision,
                ),
            )
            .where(visible)
            .order_by(AssessmentRow.updated_at.desc(), AssessmentRow.id.desc())
        )

    def list_for(self, user: str | None, include_shared: bool = True) -> list[AssessmentSummary]:
        """The register as ``user`` sees it, most recently saved first. ``None`` = local mode (all)."""
        with self._session() as s:
            return self._summaries(self._listing(user, include_shared), s)

    def get(self, assessment_id: int, user: str | None) -> Assessment:
        """An assessment with its latest revision; ``NotFound`` if missing, deleted or not
        visible to ``user`` (the same message either way)."""
        with self._session() as s:
            row = self._row(s, assessment_id, user)
            rev = s.scalars(
                select(RevisionRow).where(
                    RevisionRow.assessment_id == assessment_id, RevisionRow.number == row.latest_revision
                )
            ).one()
            shares = self._shares(s, [assessment_id]).get(assessment_id, ())
            return Assessment(
                row.id, row.name, row.product, row.owner, row.created_at, row.updated_at, _revision(rev), shares
            )

    def revisions(self, assessment_id: int, user: str | None) -> list[Revision]:
        """The whole history, oldest first."""
        with self._session() as s:
            self._row(s, assessment_id, user)
            rows = s.scalars(
                select(RevisionRow).where(RevisionRow.assessment_id == assessment_id).order_by(RevisionRow.number)
            )
            return [_revision(r) for r in rows]

    def events(self, assessment_id: int, user: str | None) -> list[Event]:
        """What was done to the assessment (created, renamed, shared, unshared), oldest first."""
        with self._session() as s:
            self._row(s, assessment_id, user)
            rows = s.scalars(select(EventRow).where(EventRow.assessment_id == assessment_id).order_by(EventRow.id))
            return [Event(r.assessment_id, r.kind, r.actor, r.at, r.detail) for r in rows]

    def latest_revisions(self, user: str | None = None) -> list[tuple[AssessmentSummary, Revision]]:
        """Every visible assessment with its latest revision (what ``impact`` re-evaluates), in one query."""
        rev = RevisionRow.__table__.c
        query = (
            select(AssessmentRow, *rev)
            .join(
                RevisionRow,
                and_(
                    RevisionRow.assessment_id == AssessmentRow.id,
                    RevisionRow.number == AssessmentRow.latest_revision,
                ),
            )
            .where(self._visible_clause(user))
            .order_by(AssessmentRow.updated_at.desc(), AssessmentRow.id.desc())
        )
        with self._session() as s:
            rows = s.execute(query).all()
            shares = self._shares(s, [r[0].id for r in rows])
        out = []
        for row in rows:
            a, r = row[0], row._mapping
            revision = Revision(
                assessment_id=a.id, number=r["number"], answers=decode_answers(r["answers"]), as_of=r["as_of"],
                rulebook_version=r["rulebook_version"], rulebook_digest=r["rulebook_digest"],
                outcome=dict(r["outcome"]), saved_by=r["saved_by"],
                saved_at=_aware(r["saved_at"]), based_on=r["based_on"], concurrent=r["concurrent"],
                acknowledged=tuple(str(x) for x in r["acknowledged"] or ()),
            )  # fmt: skip
            summary = AssessmentSummary(
                id=a.id, name=a.name, product=a.product, owner=a.owner, created_at=a.created_at,
                updated_at=a.updated_at, revision=a.latest_revision, last_saved_by=revision.saved_by,
                rulebook_version=revision.rulebook_version, rulebook_digest=revision.rulebook_digest,
                as_of=revision.as_of, shared_with=shares.get(a.id, ()),
            )  # fmt: skip
            out.append((summary, revision))
        return out

    def impact_for(
        self, assessment_id: int, user: str | None, book: Rulebook, as_of: date | None = None
    ) -> AssessmentImpact:
        """What ``book`` (and ``as_of``) change for one assessment's latest revision — the banner.

        A missing rulebook snapshot does not raise: the changes are listed without their
        causes and ``problem`` says why.
        """
        from ..impact import impact_of

        found = self.get(assessment_id, user)
        old_book, problem = None, None
        if found.latest.rulebook_digest != book.digest:
            try:
                old_book = self.revision_rulebook(found.latest)
            except StoreError as err:
                problem = str(err)
        return impact_of(found.latest, book, as_of, old_book=old_book, name=found.name, problem=problem)

    def count(self) -> int:
        """How many live assessments the database holds (all users)."""
        with self._session() as s:
            return int(
                s.scalar(select(func.count()).select_from(AssessmentRow).where(AssessmentRow.deleted_at.is_(None))) or 0
            )
