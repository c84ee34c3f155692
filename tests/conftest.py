"""Shared fixtures: the toy rulebook (the engine's test bed) and the shipped rules."""

from __future__ import annotations

import pytest

from atmp_pathways import Rulebook, load_rulebook

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
