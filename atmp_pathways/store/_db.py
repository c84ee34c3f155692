"""Where the database is, how to connect to it, migrations on open, and errors in plain words.

``ATMP_DATABASE_URL`` wins; otherwise an SQLite file ``assessments.db`` in ``ATMP_DATA_DIR``
or the per-user data directory (``$XDG_DATA_HOME/atmp-pathways`` on Linux), created on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ._errors import StoreError

__all__ = ["ENV_DATA_DIR", "ENV_URL", "connect", "data_dir", "default_url", "guard", "migrate", "shown_url"]

ENV_URL = "ATMP_DATABASE_URL"
ENV_DATA_DIR = "ATMP_DATA_DIR"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x41544D50  # any fixed number: replicas starting together migrate one at a time


def data_dir() -> Path:
    """The folder of the default SQLite file: ``ATMP_DATA_DIR`` or the per-user data directory."""
    configured = os.environ.get(ENV_DATA_DIR)
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_data_path("atmp-pathways", appauthor=False)


def default_url() -> str:
    """``ATMP_DATABASE_URL`` if set, else the SQLite file in ``data_dir()``."""
    return os.environ.get(ENV_URL) or f"sqlite:///{data_dir() / 'assessments.db'}"


def shown_url(url: URL) -> str:
    """The URL as it may be shown to a person: never the password."""
    if url.drivername.startswith("sqlite"):
        return url.database or "an in-memory SQLite database"
    return url.render_as_string(hide_password=True)


def _parse(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StoreError(
            "the database URL is not understood — give postgresql+psycopg://user:password@host/db "
            f"or sqlite:///path/to/file.db (in {ENV_URL})"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def connect(raw_url: str) -> tuple[Engine, str]:
    """An engine for ``raw_url`` and the URL as shown in messages. Nothing is opened yet."""
    url = _parse(raw_url)
    shown = shown_url(url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        memory = url.database in (None, "", ":memory:")
        if not memory and url.database is not None:
            folder = Path(url.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create the folder {folder} for the database ({err.strerror})") from None
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_transactions(engine, wal=not memory)
        return engine, shown
    if url.drivername == "postgresql+psycopg":
        try:
            engine = create_engine(url, connect_args={"connect_timeout": 5}, pool_pre_ping=True)
        except NoSuchModuleError:  # pragma: no cover - psycopg is a pinned dependency
            raise StoreError("PostgreSQL support needs psycopg: pip install -r requirements.txt") from None
        return engine, shown
    raise StoreError(
        f"unsupported database '{url.drivername}' — use sqlite:///path/to/file.db or "
        "postgresql+psycopg://user:password@host/db"
    )


def _sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    """Writes take SQLite's write lock when they begin (``BEGIN IMMEDIATE``), so two writers
    queue instead of failing half-way; WAL lets readers go on while one writes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("atmp_write") else "BEGIN")


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    first = str(orig).strip().splitlines()
    return first[0] if first else type(orig).__name__


@contextmanager
def guard(shown: str) -> Iterator[None]:
    """Turn driver errors into one-line ``StoreError``s that name the database, never a password."""
    try:
        yield
    except StoreError:
        raise
    except DBAPIError as err:
        reason = _reason(err)
        low = reason.lower()
        if "not a database" in low or "malformed" in low or "file is encrypted" in low:
            raise StoreError(
                f"{shown} is not an ATMP Pathways database or is damaged (SQLite: {reason}). Nothing was changed: "
                f"move the file aside, or point {ENV_URL} at another database."
            ) from None
        if "unable to open database" in low:
            raise StoreError(
                f"cannot open the database file {shown} ({reason}) — check the path and permissions"
            ) from None
        if err.connection_invalidated or isinstance(err.orig, OSError) or "connection" in low or "connect" in low:
            raise StoreError(
                f"cannot reach the database at {shown} ({reason}) — check {ENV_URL} and that the server is running"
            ) from None
        raise StoreError(f"the database at {shown} refused the operation ({reason})") from None
    except SQLAlchemyError as err:
        raise StoreError(f"the database at {shown} failed ({_reason(err)})") from None


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of the code ships."""
    heads = ScriptDirectory.from_config(_config()).get_heads()
    return heads[0]


def migrate(engine: Engine, shown: str, target: str = "head") -> None:
    """Create or upgrade the schema; refuse a foreign database or one from a newer version."""
    cfg = _config()
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    wanted = set(script.get_heads()) if target == "head" else {target}
    with guard(shown), engine.connect() as conn:
        conn = conn.execution_options(atmp_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            current = set(MigrationContext.configure(conn).get_current_heads())
            if current == wanted:
                return
            unknown = current - known
            if unknown:
                raise StoreError(
                    f"{shown} was written by a newer version of ATMP Pathways (schema {', '.join(sorted(unknown))}); "
                    "upgrade this installation. Nothing was changed."
                )
            if not current:
                tables = sorted(inspect(conn).get_table_names())
                if tables:
                    listed = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
                    raise StoreError(
                        f"{shown} holds tables that are not an ATMP Pathways store ({listed}). Nothing was changed: "
                        f"use an empty database, or point {ENV_URL} elsewhere."
                    )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
