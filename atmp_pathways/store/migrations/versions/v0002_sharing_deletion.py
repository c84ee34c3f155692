"""Sharing, recorded deletion (soft delete + events) and acknowledged changes on revisions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("deleted_at", WHEN, nullable=True))
        batch.add_column(sa.Column("deleted_by", sa.String(320), nullable=True))
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("acknowledged", JSON, nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "shares",
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), primary_key=True),
        sa.Column("grantee", sa.String(320), primary_key=True, index=True),
        sa.Column("granted_by", sa.String(320), nullable=False),
        sa.Column("granted_at", WHEN, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("shares")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("acknowledged")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")
