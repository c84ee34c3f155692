"""Assessments, their append-only revisions, and rulebook snapshots.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False, index=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("latest_revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rulebook_version", sa.String(40), nullable=False),
        sa.Column("rulebook_digest", sa.String(64), nullable=False, index=True),
        sa.Column("outcome", JSON, nullable=False),
        sa.Column("saved_by", sa.String(320), nullable=False),
        sa.Column("saved_at", WHEN, nullable=False),
        sa.Column("based_on", sa.Integer, nullable=True),
        sa.Column("concurrent", sa.Boolean, nullable=False),
        sa.UniqueConstraint("assessment_id", "number", name="uq_revisions_assessment_number"),
    )
    op.create_table(
        "rulebooks",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("title", sa.String(4000), nullable=False),
        sa.Column("stored_at", WHEN, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rulebooks")
    op.drop_table("revisions")
    op.drop_table("assessments")
