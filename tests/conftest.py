"""Shared fixtures: the toy rulebook (the engine's test bed) and the shipped rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from atmp_pathways import Rulebook, load_rulebook

from ._postgres import PgServer, start_server
from .paths import DECISIONS, INVALID, ROOT, RULES, TOY

__all__ = ["DECISIONS", "INVALID", "ROOT", "TOY"]  # re-exported for modules that still import them from here


@pytest.fixture(scope="session")
def toy_book() -> Rulebook:
    return load_rulebook(TOY)


@pytest.fixture(scope="session")
def decisions_book() -> Rulebook:
    """A toy rulebook whose determinations gate questions and obligations."""
    return load_rulebook(DECISIONS)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(RULES)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throw-away PostgreSQL server for this test session (skips, saying why, without one)."""
    server, why_not = start_server()
    if server is None:
        pytest.skip(f"PostgreSQL tests skipped: {why_not}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each real engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assessments.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()
