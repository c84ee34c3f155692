"""Alembic environment: always given an open connection by ``atmp_pathways.store._db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from atmp_pathways.store._schema import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through atmp_pathways.store.open_store, which passes a connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
