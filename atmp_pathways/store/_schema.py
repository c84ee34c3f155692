"""The store's tables as typed SQLAlchemy 2 ORM classes (the Alembic migrations create them).

Revisions are append-only: the code never issues an UPDATE or DELETE on ``revisions``.
Deleting an assessment sets ``deleted_at`` and records an event; its history stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = ["AssessmentRow", "Base", "EventRow", "RevisionRow", "RulebookRow", "ShareRow", "UTCDateTime", "Json"]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json, list[Any]: Json}


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    latest_revision: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by: Mapped[str | None] = mapped_column(String(320), default=None)


class RevisionRow(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("assessment_id", "number", name="uq_revisions_assessment_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    as_of: Mapped[date] = mapped_column(Date)
    rulebook_version: Mapped[str] = mapped_column(String(40))
    # Not a foreign key: a snapshot may be missing (a copied or pruned database) and the
    # revision must still be listed, with a clear message where the snapshot is needed.
    rulebook_digest: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[dict[str, Any]]
    saved_by: Mapped[str] = mapped_column(String(320))
    saved_at: Mapped[datetime]
    based_on: Mapped[int | None] = mapped_column(Integer, default=None)
    concurrent: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged: Mapped[list[Any]] = mapped_column(default=list)


class RulebookRow(Base):
    __tablename__ = "rulebooks"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(4000))
    stored_at: Mapped[datetime]
    content: Mapped[str] = mapped_column(Text)


class ShareRow(Base):
    __tablename__ = "shares"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    grantee: Mapped[str] = mapped_column(String(320), primary_key=True, index=True)
    granted_by: Mapped[str] = mapped_column(String(320))
    granted_at: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text, default="")
